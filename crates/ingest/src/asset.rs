//! What an asset event says beyond its message: the asset, the partition,
//! an asset check's verdict and the metadata entries (rows, path…), read
//! from the event's GraphQL JSON. Only asset events need it, so it is read
//! from their kept JSON when asked, not parsed for every event.

use std::io;

use serde_json::Value;

use crate::archive::{Archive, EventRef};

/// The event types whose JSON carries [`AssetFacts`].
pub const ASSET_EVENT_TYPES: &[&str] = &[
    "ASSET_MATERIALIZATION",
    "ASSET_OBSERVATION",
    "ASSET_CHECK_EVALUATION",
];

/// An asset check's verdict (`ASSET_CHECK_EVALUATION`'s `evaluation`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFacts {
    /// `checkName`.
    pub name: String,
    /// `success`; `None` when the export lacks it.
    pub success: Option<bool>,
    /// `severity`: `ERROR` (a blocking check stops downstream assets) or `WARN`.
    pub severity: Option<String>,
}

/// What an asset event says beyond its message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetFacts {
    /// The asset key's path joined with `/`.
    pub asset_key: Option<String>,
    /// The partition, when the asset is partitioned.
    pub partition: Option<String>,
    /// The check's verdict, for `ASSET_CHECK_EVALUATION`.
    pub check: Option<CheckFacts>,
    /// Metadata entries as (label, value in words), in the exported order.
    pub metadata: Vec<(String, String)>,
}

impl AssetFacts {
    /// Whether anything beyond the message was found.
    pub fn is_empty(&self) -> bool {
        *self == AssetFacts::default()
    }
}

/// Reads the facts of one asset event's GraphQL JSON (`MaterializationEvent`,
/// `ObservationEvent`, `AssetCheckEvaluationEvent`). `None` when it is not
/// JSON; fields a Dagster version lacks are left empty.
pub fn asset_facts_of(json: &[u8]) -> Option<AssetFacts> {
    let v: Value = serde_json::from_slice(json).ok()?;
    let evaluation = v.get("evaluation").filter(|e| e.is_object());
    let body = evaluation.unwrap_or(&v);
    let asset_key = body
        .get("assetKey")
        .or(v.get("assetKey"))
        .and_then(key_path);
    let partition = body
        .get("partition")
        .or(v.get("partition"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let check = evaluation.and_then(|e| {
        Some(CheckFacts {
            name: e.get("checkName")?.as_str()?.to_string(),
            success: e.get("success").and_then(Value::as_bool),
            severity: e
                .get("severity")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    });
    let metadata = body
        .get("metadataEntries")
        .or(v.get("metadataEntries"))
        .and_then(Value::as_array)
        .map(|entries| entries.iter().filter_map(metadata_entry).collect())
        .unwrap_or_default();
    Some(AssetFacts {
        asset_key,
        partition,
        check,
        metadata,
    })
}

/// Fields of a metadata entry that hold its value, most telling first:
/// GraphQL gives each `…MetadataEntry` type its own (`intRepr`, `path`,
/// `jsonString`…), older versions some of them.
const VALUE_FIELDS: &[&str] = &[
    "intRepr",
    "floatRepr",
    "intValue",
    "floatValue",
    "boolValue",
    "text",
    "path",
    "url",
    "jsonString",
    "mdStr",
    "timestamp",
    "assetKey",
    "name",
    "module",
];

/// An `AssetKey`'s path joined with `/` (`["warehouse", "orders"]` →
/// `warehouse/orders`).
fn key_path(key: &Value) -> Option<String> {
    let path = key.get("path")?.as_array()?;
    Some(
        path.iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// One metadata entry as (label, value in words).
fn metadata_entry(entry: &Value) -> Option<(String, String)> {
    let label = entry.get("label")?.as_str()?.to_string();
    let value = VALUE_FIELDS
        .iter()
        .find_map(|k| entry.get(*k).filter(|v| !v.is_null()).map(|v| (*k, v)));
    let words = match value {
        Some(("timestamp", Value::Number(n))) => n
            .as_f64()
            .and_then(crate::time::from_number)
            .map_or_else(|| n.to_string(), crate::time::format_iso),
        Some(("assetKey", k)) => key_path(k).unwrap_or_default(),
        Some((_, Value::String(s))) => s.clone(),
        Some((_, other)) => other.to_string(),
        // A table, a schema, a null: say what it is.
        None => entry
            .get("__typename")
            .and_then(Value::as_str)
            .map_or("—", |t| t.trim_end_matches("MetadataEntry"))
            .to_lowercase(),
    };
    Some((label, words))
}

impl Archive {
    /// The facts of every asset event among `refs` whose JSON the load kept
    /// (see [`ASSET_EVENT_TYPES`]), in the order given.
    pub fn asset_facts(&self, refs: &[EventRef]) -> io::Result<Vec<(EventRef, AssetFacts)>> {
        let wanted: Vec<EventRef> = refs
            .iter()
            .copied()
            .filter(|&r| {
                self.event(r)
                    .event_type
                    .is_some_and(|t| ASSET_EVENT_TYPES.contains(&t))
            })
            .collect();
        let mut out = Vec::with_capacity(wanted.len());
        self.for_each_json(&wanted, |r, json| {
            if let Some(f) = asset_facts_of(json).filter(|f| !f.is_empty()) {
                out.push((r, f));
            }
            Ok(())
        })?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_and_a_materialization_as_exported() {
        // Real events of the a2_success_assets_inprocess export (Dagster 1.13).
        let check = br#"{"__typename": "AssetCheckEvaluationEvent", "message": "Asset check 'order_summary_all_regions' on 'order_summary' did not pass.", "eventType": "ASSET_CHECK_EVALUATION", "evaluation": {"checkName": "order_summary_all_regions", "success": false, "severity": "WARN", "description": null, "timestamp": 1795501851.8022463, "partition": null, "assetKey": {"path": ["order_summary"]}, "metadataEntries": [{"__typename": "TextMetadataEntry", "label": "missing_regions", "description": null, "text": "['latam']"}]}}"#;
        let f = asset_facts_of(check).unwrap();
        assert_eq!(f.asset_key.as_deref(), Some("order_summary"));
        assert_eq!(
            f.check,
            Some(CheckFacts {
                name: "order_summary_all_regions".into(),
                success: Some(false),
                severity: Some("WARN".into()),
            })
        );
        assert_eq!(f.metadata, [("missing_regions".into(), "['latam']".into())]);
        let materialization = br#"{"__typename": "MaterializationEvent", "eventType": "ASSET_MATERIALIZATION", "assetKey": {"path": ["raw_orders"]}, "partition": "2026-11-01", "metadataEntries": [{"__typename": "IntMetadataEntry", "label": "row_count", "description": null, "intValue": 30, "intRepr": "30"}, {"__typename": "TimestampMetadataEntry", "label": "fetched_at", "description": null, "timestamp": 1795501850.8903341}, {"__typename": "PathMetadataEntry", "label": "path", "description": null, "path": "/opt/dagster/home/storage/raw_orders"}, {"__typename": "TableMetadataEntry", "label": "sample", "description": null, "table": null}]}"#;
        let f = asset_facts_of(materialization).unwrap();
        assert_eq!(f.partition.as_deref(), Some("2026-11-01"));
        assert_eq!(f.check, None);
        assert_eq!(
            f.metadata,
            [
                ("row_count".into(), "30".into()),
                ("fetched_at".into(), "2026-11-24T06:30:50.890Z".into()),
                ("path".into(), "/opt/dagster/home/storage/raw_orders".into()),
                ("sample".into(), "table".into()),
            ]
        );
        assert_eq!(asset_facts_of(b"not json"), None);
    }
}
