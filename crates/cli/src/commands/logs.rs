//! `daglog logs`: the events of one run or of the whole archive, filtered.

use std::io::{self, Write};
use std::sync::Arc;

use anyhow::Result;
use daglog_ingest::schema::is_known_event_type;
use daglog_ingest::{Archive, EventRef, EventView, KeepRaw, Run, encode_cursor};
use daglog_report::{
    CountField, Counts, CountsFormat, HumanLogs, HumanOptions, JsonLogPrinter, JsonLogs,
    LogPrinter, NdjsonLogs, PageEnd, write_counts,
};
use foldhash::HashMap;
use rayon::prelude::*;

use crate::config::{EventFilter, LogsConfig, LogsFormat};
use crate::load::{load, select_run};

/// `LOG` (or `LOG_MESSAGE`) names the user's log lines, which have no type.
fn is_log_item(want: &str) -> bool {
    want == "LOG" || want == "LOG_MESSAGE"
}

impl EventFilter {
    /// Every event passes.
    fn is_everything(&self) -> bool {
        self.event_types.is_empty()
            && self.step_keys.is_empty()
            && self.min_level.is_none()
            && self.grep.is_none()
            && self.since_ms.is_none()
            && self.until_ms.is_none()
    }

    fn matches(&self, ev: &EventView<'_>) -> bool {
        if let Some(min) = self.min_level
            && ev.level < min
        {
            return false;
        }
        if self.since_ms.is_some_and(|s| ev.timestamp_ms < s)
            || self.until_ms.is_some_and(|u| ev.timestamp_ms >= u)
        {
            return false;
        }
        if !self.step_keys.is_empty()
            && !ev
                .step_key
                .is_some_and(|k| self.step_keys.iter().any(|s| s == k))
        {
            return false;
        }
        if !self.event_types.is_empty() {
            let hit = match ev.event_type {
                // A whole event type names that type only (RUN_START is not
                // RUN_STARTING); anything else is the reference's substring
                // (FAILURE is every *_FAILURE).
                Some(t) => self.event_types.iter().any(|want| {
                    if is_known_event_type(want) {
                        t == want
                    } else {
                        !is_log_item(want) && t.contains(want.as_str())
                    }
                }),
                // Log lines have no event type; LOG names them.
                None => self.event_types.iter().any(|want| is_log_item(want)),
            };
            if !hit {
                return false;
            }
        }
        if let Some(re) = &self.grep {
            let in_error = ev.error.is_some_and(|e| e.texts().any(|t| re.is_match(t)));
            if !re.is_match(ev.message) && !in_error {
                return false;
            }
        }
        true
    }
}

pub(crate) fn run(cfg: &LogsConfig) -> Result<bool> {
    let keep_raw = if cfg.count_by.is_some() {
        KeepRaw::None
    } else if matches!(cfg.format, LogsFormat::Human { .. }) {
        // The JSON of asset events, for their asset, partition and metadata.
        KeepRaw::Matching(Arc::new(|ev| {
            ev.event_type
                .is_some_and(|t| daglog_ingest::ASSET_EVENT_TYPES.contains(&t))
        }))
    } else if cfg.filter.is_everything() {
        KeepRaw::All
    } else {
        // Only what will be printed keeps its JSON.
        let filter = cfg.filter.clone();
        KeepRaw::Matching(Arc::new(move |ev| filter.matches(ev)))
    };
    // Printing JSON or counting needs no message unless `--grep` reads them.
    let human = matches!(cfg.format, LogsFormat::Human { .. }) && cfg.count_by.is_none();
    let details = human || cfg.filter.grep.is_some();
    let loaded = load(&cfg.input, keep_raw, details)?;
    let archive = &loaded.archive;
    let runs: Vec<&Run> = match &cfg.run_id {
        Some(id) => vec![select_run(archive, id)?],
        None => archive.runs.iter().collect(),
    };
    for run in runs.iter().filter(|r| r.truncated) {
        let _ = writeln!(
            io::stderr(),
            "daglog: warning: run {} is incomplete: its export ends on a page with hasMore: true, \
             so later events are missing",
            run.run_id
        );
    }
    warn_of_misses(&cfg.filter, archive, &runs);
    let mut out = io::BufWriter::with_capacity(256 * 1024, raw_stdout());
    if let Some(field) = cfg.count_by {
        let format = match cfg.format {
            LogsFormat::Human { .. } => CountsFormat::Table,
            LogsFormat::Json => CountsFormat::Json,
            LogsFormat::Ndjson => CountsFormat::Ndjson,
        };
        write_counts(&mut out, &count(cfg, archive, &runs, field), format)?;
        out.flush()?;
        return Ok(!loaded.had_problems);
    }
    let (page, end) = select_page(cfg, archive, &runs);
    match cfg.format {
        LogsFormat::Human { color, full } => {
            // Wide enough for the longest type printed, so columns line up.
            let type_width = page
                .iter()
                .map(|&r| archive.event(r).event_type.map_or(3, |t| t.chars().count()))
                .max()
                .unwrap_or(0);
            let facts: std::collections::HashMap<_, _> =
                archive.asset_facts(&page)?.into_iter().collect();
            let mut printer = HumanLogs::new(
                out,
                HumanOptions {
                    color,
                    show_run: runs.len() > 1,
                    full,
                    type_width,
                },
            );
            printer.begin()?;
            for r in &page {
                printer.event(&archive.event(*r))?;
                if let Some(f) = facts.get(r) {
                    printer.asset_facts(f)?;
                }
            }
            printer.finish(&end)?;
        }
        LogsFormat::Json => print_json(archive, &page, &end, &mut JsonLogs::new(out))?,
        LogsFormat::Ndjson => print_json(archive, &page, &end, &mut NdjsonLogs::new(out))?,
    }
    Ok(!loaded.had_problems)
}

/// Says on stderr which `--step-key` and `--event-type` items match no event
/// of the selected runs, with the nearest names they have: a typo must not
/// pass for "no such events".
fn warn_of_misses(filter: &EventFilter, archive: &Archive, runs: &[&Run]) {
    if filter.step_keys.is_empty() && filter.event_types.is_empty() {
        return;
    }
    let mut steps: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    let mut types: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    if runs.len() == archive.runs.len() {
        // Every run: the files' dictionaries of names, not a pass over
        // every event (this runs before `logs --event-type FAILURE` prints).
        for b in &archive.batches {
            steps.extend(b.step_key.values());
            types.extend(b.event_type.values());
            if b.event_type.has_null() {
                types.insert("LOG");
            }
        }
    } else {
        for run in runs {
            for &r in &run.events {
                let ev = archive.event(r);
                steps.extend(ev.step_key);
                types.insert(ev.event_type.unwrap_or("LOG"));
            }
        }
    }
    let mut err = io::stderr().lock();
    for want in &filter.step_keys {
        if !steps.contains(want.as_str()) {
            let _ = writeln!(
                err,
                "daglog: warning: no event of the selected runs has step key {want:?}{}",
                suggestion(want, &steps)
            );
        }
    }
    for want in &filter.event_types {
        let hit = |t: &&str| {
            if is_known_event_type(want) || is_log_item(want) {
                *t == want || (is_log_item(want) && *t == "LOG")
            } else {
                t.contains(want.as_str())
            }
        };
        if !types.iter().any(hit) {
            let _ = writeln!(
                err,
                "daglog: warning: no event of the selected runs has an event type matching {want:?}{}",
                suggestion(want, &types)
            );
        }
    }
}

/// `; did you mean X?` for the name of `names` nearest to `want`, when one
/// is near enough to be a typo.
fn suggestion(want: &str, names: &std::collections::BTreeSet<&str>) -> String {
    let want_lower = want.to_ascii_lowercase();
    let best = names
        .iter()
        .map(|n| (edit_distance(&want_lower, &n.to_ascii_lowercase()), *n))
        .min();
    match best {
        Some((d, name)) if d <= (want.len() / 3).max(2) => format!("; did you mean {name}?"),
        _ if names.is_empty() => String::new(),
        _ => {
            let some: Vec<&str> = names.iter().take(8).copied().collect();
            format!(
                " (they have: {}{})",
                some.join(", "),
                if names.len() > some.len() {
                    ", …"
                } else {
                    ""
                }
            )
        }
    }
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Standard output without its line buffering: the JSON of a whole archive is
/// one long line, which `Stdout` would scan for newlines at every flush. When
/// it is a pipe (`| jq`, `| wc -l`), the pipe is made 1 MiB (Linux's limit
/// for an unprivileged process) instead of 64 KiB: a whole archive's output
/// then takes 16 times fewer switches between daglog and the reader, which
/// made `logs --ndjson | wc -l` on the 1 GB corpus 1.8 s → 1.5 s.
fn raw_stdout() -> Box<dyn Write> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = io::stdout().as_fd().try_clone_to_owned() {
            #[cfg(target_os = "linux")]
            let _ = rustix::pipe::fcntl_setpipe_size(&fd, 1 << 20);
            return Box::new(std::fs::File::from(fd));
        }
    }
    Box::new(io::stdout().lock())
}

/// The matching events counted by `field`, largest count first (ties by value).
fn count(cfg: &LogsConfig, archive: &Archive, runs: &[&Run], field: CountField) -> Counts {
    type Tally<'a> = HashMap<Option<&'a str>, u64>;
    // Runs are counted in parallel, each thread into its own tally.
    let by_value: Tally<'_> = runs
        .par_iter()
        .fold(Tally::default, |mut tally, run| {
            for &r in &run.events {
                let ev = archive.event(r);
                if !cfg.filter.matches(&ev) {
                    continue;
                }
                let value = match field {
                    CountField::Type => ev.event_type,
                    CountField::Level => Some(ev.level.as_str()),
                    CountField::Step => ev.step_key,
                    CountField::Run => Some(ev.run_id),
                };
                *tally.entry(value).or_default() += 1;
            }
            tally
        })
        .reduce(Tally::default, |mut a, b| {
            for (value, n) in b {
                *a.entry(value).or_default() += n;
            }
            a
        });
    let total = by_value.values().sum();
    let mut rows: Vec<(Option<String>, u64)> = by_value
        .into_iter()
        .map(|(v, n)| (v.map(str::to_string), n))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Counts { field, rows, total }
}

/// The matching events after the cursor, up to the limit, and the cursor
/// that continues after them.
fn select_page(cfg: &LogsConfig, archive: &Archive, runs: &[&Run]) -> (Vec<EventRef>, PageEnd) {
    let events: usize = runs.iter().map(|r| r.events.len()).sum();
    let mut page = Vec::with_capacity(cfg.limit.unwrap_or(events).min(events));
    let has_more = if cfg.filter.is_everything() {
        take_every_event(cfg, runs, &mut page)
    } else {
        take_matching_events(cfg, archive, runs, &mut page)
    };
    let end = PageEnd {
        cursor: encode_cursor((cfg.offset + page.len()) as i64),
        has_more,
    };
    (page, end)
}

/// [`select_page`] without a filter: whole runs at a time, copied rather
/// than tested event by event. Returns whether events are left after the page.
fn take_every_event(cfg: &LogsConfig, runs: &[&Run], page: &mut Vec<EventRef>) -> bool {
    let mut skip = cfg.offset;
    let mut room = cfg.limit.unwrap_or(usize::MAX);
    let mut parts: Vec<&[EventRef]> = Vec::with_capacity(runs.len());
    let mut more = false;
    for run in runs {
        let events = &run.events[skip.min(run.events.len())..];
        skip = skip.saturating_sub(run.events.len());
        if events.len() > room {
            parts.push(&events[..room]);
            more = true;
            break;
        }
        room -= events.len();
        parts.push(events);
    }
    // A whole archive's page is tens of megabytes of fresh memory: it is
    // first touched on every core (on a VM, first touches cost more than
    // the copy), then each run is copied into its place in parallel.
    let start = page.len();
    let total: usize = parts.iter().map(|p| p.len()).sum();
    page.par_extend(rayon::iter::repeat_n(EventRef { batch: 0, row: 0 }, total));
    let mut rest = &mut page[start..];
    let mut places = Vec::with_capacity(parts.len());
    for part in parts {
        let (place, tail) = std::mem::take(&mut rest).split_at_mut(part.len());
        places.push((place, part));
        rest = tail;
    }
    places
        .into_par_iter()
        .with_min_len(64)
        .for_each(|(place, part)| place.copy_from_slice(part));
    more
}

/// [`select_page`] with a filter. Returns whether events are left after the page.
fn take_matching_events(
    cfg: &LogsConfig,
    archive: &Archive,
    runs: &[&Run],
    page: &mut Vec<EventRef>,
) -> bool {
    let mut matched = 0usize;
    for run in runs {
        for &r in &run.events {
            if !cfg.filter.matches(&archive.event(r)) {
                continue;
            }
            matched += 1;
            if matched <= cfg.offset {
                continue;
            }
            if cfg.limit.is_some_and(|l| page.len() >= l) {
                return true;
            }
            page.push(r);
        }
    }
    false
}

/// Prints the events' original JSON.
fn print_json(
    archive: &Archive,
    page: &[EventRef],
    end: &PageEnd,
    printer: &mut dyn JsonLogPrinter,
) -> io::Result<()> {
    printer.begin()?;
    let join = printer.join();
    archive.write_joined_json(page, join, |joined| printer.joined_json(joined))?;
    printer.finish(end)
}
