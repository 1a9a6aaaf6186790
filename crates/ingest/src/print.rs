//! The original JSON of events, in the order they are printed.
//!
//! A load keeps an event's JSON as a place in its file when the file can be
//! read again (see [`crate::KeepRaw`]): copying a whole archive's JSON into
//! memory costs more, in page faults, than reading the files a second time.
//! Printing then reads the files back piece by piece, a few pieces ahead of
//! the one being written, in parallel, and takes out the whitespace of
//! pretty exports.

use std::fs::File;
use std::io;

use rayon::prelude::*;

use crate::archive::{Archive, EventRef};
use crate::batch::FileStamp;
use crate::error::Error;

/// About this much JSON is rendered per piece (small in tests, so that
/// they cross pieces).
const PIECE_BYTES: usize = if cfg!(test) { 1 << 12 } else { 1 << 20 };

/// A piece rendered, a rendering error, or a panic to pass on.
type Rendered = std::thread::Result<Result<Piece, Error>>;

/// A piece's buffers, reused from piece to piece.
#[derive(Default)]
struct Piece {
    /// The events' JSON, compact, joined.
    text: Vec<u8>,
    /// Where each event's JSON ends in `text`.
    ends: Vec<usize>,
    /// The stretches of files the piece's events are in, back to back. It
    /// keeps its length from piece to piece (each stretch is read over what
    /// was there), so its bytes are set once instead of zeroed per piece.
    files: Vec<u8>,
    /// Which stretch of which file each part of `files` holds.
    stretches: Vec<Stretch>,
}

/// The bytes of one file that a piece's events are in.
#[derive(Clone, Copy)]
struct Stretch {
    batch: u32,
    /// First byte in the file.
    start: u64,
    /// Past the last byte.
    end: u64,
    /// Where it is in [`Piece::files`].
    at: usize,
}

impl Stretch {
    fn len(self) -> usize {
        usize::try_from(self.end - self.start).expect("a piece's files fit in memory")
    }
}

/// How events' JSON is joined into one text: what goes between two events,
/// and what after each (`,` for a JSON array, a newline for NDJSON).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonJoin {
    /// Written between two events.
    pub between: &'static [u8],
    /// Written after every event.
    pub after_each: &'static [u8],
}

impl Archive {
    /// Calls `write` with each event of `refs` and its original JSON,
    /// compact, in the order of `refs`; the JSON is empty for an event whose
    /// load did not keep it. Files are read again where the load left the
    /// JSON in them: a file that changed since is an error
    /// ([`Error::Changed`], inside the `io::Error`), as is one that can no
    /// longer be read.
    pub fn for_each_json(
        &self,
        refs: &[EventRef],
        mut write: impl FnMut(EventRef, &[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        self.render_in_order(refs, JsonJoin::default(), |refs, piece| {
            let mut from = 0;
            for (&r, &end) in refs.iter().zip(&piece.ends) {
                write(r, &piece.text[from..end])?;
                from = end;
            }
            Ok(())
        })
    }

    /// Like [`Archive::for_each_json`], but hands `write` the JSON of many
    /// events at a time, already joined as `join` says: a printer writes
    /// each block as it is, without copying event by event.
    pub fn write_joined_json(
        &self,
        refs: &[EventRef],
        join: JsonJoin,
        mut write: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        self.render_in_order(refs, join, |_, piece| write(&piece.text))
    }

    /// Renders `refs` in pieces of about `PIECE_BYTES` of JSON on the thread
    /// pool, a few ahead of the one being delivered, and hands each piece to
    /// `deliver` in order.
    fn render_in_order(
        &self,
        refs: &[EventRef],
        join: JsonJoin,
        mut deliver: impl FnMut(&[EventRef], &Piece) -> io::Result<()>,
    ) -> io::Result<()> {
        // Where pieces start, found for blocks of events in parallel (a
        // piece ends at a block's end): a serial pass over 2.5 M events
        // took 9 ms.
        const BLOCK: usize = if cfg!(test) { 64 } else { 1 << 16 };
        let cuts: Vec<std::ops::Range<usize>> = refs
            .par_chunks(BLOCK)
            .enumerate()
            .flat_map_iter(|(block, refs)| {
                let offset = block * BLOCK;
                let mut cuts = Vec::new();
                let mut next = 0;
                while next < refs.len() {
                    let start = next;
                    let mut bytes = 0;
                    while next < refs.len() && (next == start || bytes < PIECE_BYTES) {
                        bytes += self.json_len(refs[next]);
                        next += 1;
                    }
                    cuts.push(offset + start..offset + next);
                }
                cuts
            })
            .collect();
        // Two pieces per thread: one rendering while the other waits its
        // turn to be written. More only add fresh memory (page faults).
        let mut spare: Vec<Piece> = (0..2 * rayon::current_num_threads())
            .map(|_| Piece::default())
            .collect();
        let mut done: Vec<Option<Rendered>> = (0..cuts.len()).map(|_| None).collect();
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Rendered)>();
        rayon::in_place_scope(|scope| {
            let mut sent = 0;
            for (written, cut) in cuts.iter().enumerate() {
                while sent < cuts.len()
                    && let Some(mut piece) = spare.pop()
                {
                    let (tx, cut) = (tx.clone(), cuts[sent].clone());
                    let i = sent;
                    scope.spawn(move |_| {
                        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            self.render(&refs[cut.clone()], join, cut.start == 0, &mut piece)
                        }));
                        // The receiver outlives the scope: sending cannot fail.
                        let _ = tx.send((i, result.map(|r| r.map(|()| piece))));
                    });
                    sent += 1;
                }
                while done[written].is_none() {
                    let (i, rendered) = rx.recv().expect("the scope holds a sender");
                    done[i] = Some(rendered);
                }
                let piece = match done[written].take().expect("just received") {
                    Ok(Ok(piece)) => piece,
                    Ok(Err(e)) => return Err(io::Error::other(e)),
                    Err(panic) => std::panic::resume_unwind(panic),
                };
                deliver(&refs[cut.clone()], &piece)?;
                spare.push(piece);
            }
            Ok(())
        })
    }

    fn json_len(&self, r: EventRef) -> usize {
        let batch = &self.batches[r.batch as usize];
        match batch.span(r.row as usize) {
            Some(span) => span.len(),
            None => batch.raw(r.row as usize).len(),
        }
    }

    /// Fills `piece` with the JSON of `refs`, joined by `join`; `first` when
    /// the piece starts the output.
    fn render(
        &self,
        refs: &[EventRef],
        join: JsonJoin,
        first: bool,
        piece: &mut Piece,
    ) -> Result<(), Error> {
        piece.text.clear();
        piece.ends.clear();
        piece.stretches.clear();
        // The stretch of each file that holds the piece's events: one read
        // each. `switches` counts where the events go from one file to another.
        let mut switches = 0;
        let mut last_batch = None;
        for r in refs {
            let Some(span) = self.batches[r.batch as usize].span(r.row as usize) else {
                continue;
            };
            if last_batch.replace(r.batch) != Some(r.batch) {
                switches += 1;
            }
            match piece
                .stretches
                .iter_mut()
                .rev()
                .find(|s| s.batch == r.batch)
            {
                Some(s) => {
                    s.start = s.start.min(span.start());
                    s.end = s.end.max(span.end());
                }
                None => piece.stretches.push(Stretch {
                    batch: r.batch,
                    start: span.start(),
                    end: span.end(),
                    at: 0,
                }),
            }
        }
        // When each file's events are together (the usual case: a run's
        // pages in order), one stretch at a time is read and rendered while
        // it is still in the cache; a read of every stretch first, into
        // memory the size of the piece's files, made the copy out of the
        // page cache cost twice as much. Otherwise all are read first.
        let one_at_a_time = switches == piece.stretches.len();
        let mut bytes = 0;
        for s in &mut piece.stretches {
            if one_at_a_time {
                bytes = bytes.max(s.len());
            } else {
                s.at = bytes;
                bytes += s.len();
            }
        }
        if piece.files.len() < bytes {
            piece.files.resize(bytes, 0);
        }
        if !one_at_a_time {
            for s in &piece.stretches {
                self.read_stretch(s.batch, s.start, &mut piece.files[s.at..s.at + s.len()])?;
            }
        }
        // The file whose stretch was read last, when one at a time.
        let mut read = None;
        for (i, r) in refs.iter().enumerate() {
            if i > 0 || !first {
                piece.text.extend_from_slice(join.between);
            }
            let batch = &self.batches[r.batch as usize];
            match batch.span(r.row as usize) {
                Some(span) => {
                    let stretch = *piece
                        .stretches
                        .iter()
                        .rev()
                        .find(|s| s.batch == r.batch)
                        .expect("every span's file has a stretch");
                    if one_at_a_time && read.replace(r.batch) != Some(r.batch) {
                        let to = &mut piece.files[..stretch.len()];
                        self.read_stretch(stretch.batch, stretch.start, to)?;
                    }
                    let from = stretch.at + (span.start() - stretch.start) as usize;
                    let json = &piece.files[from..from + span.len()];
                    if json.first() != Some(&b'{') || json.last() != Some(&b'}') {
                        return Err(self.changed(r.batch));
                    }
                    span.write_compact(json, &mut piece.text);
                }
                None => piece.text.extend_from_slice(batch.raw(r.row as usize)),
            }
            piece.ends.push(piece.text.len());
            piece.text.extend_from_slice(join.after_each);
        }
        Ok(())
    }

    /// Reads bytes `start..start + out.len()` of the file of `batch` into `out`.
    fn read_stretch(&self, batch: u32, start: u64, out: &mut [u8]) -> Result<(), Error> {
        let path = &self.files[batch as usize].path;
        let reread = |source| Error::Reread {
            path: path.clone(),
            source,
        };
        let file = File::open(path).map_err(reread)?;
        let now = FileStamp::of(&file.metadata().map_err(reread)?);
        if Some(now) != self.batches[batch as usize].stamp {
            return Err(self.changed(batch));
        }
        match read_exact_at(&file, out, start) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(self.changed(batch)),
            Err(e) => Err(reread(e)),
        }
    }

    fn changed(&self, batch: u32) -> Error {
        Error::Changed {
            path: self.files[batch as usize].path.clone(),
        }
    }
}

/// Fills `out` from `file` at `offset`: one `pread` where there is one.
#[cfg(unix)]
fn read_exact_at(file: &File, out: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, out, offset)
}

#[cfg(not(unix))]
fn read_exact_at(mut file: &File, out: &mut [u8], offset: u64) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(out)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::{Input, KeepRaw, LoadOptions, NoProgress, ParseOptions, parse_bytes};

    const RUN: &str = "../../fixtures/dagster-1.13/j1_fanout_300_success/4fb36135-36bc-41e9-b621-a73f55f84472/pages";

    fn load(dir: &Path) -> Archive {
        let opts = LoadOptions {
            parse: ParseOptions {
                keep_raw: KeepRaw::All,
                details: false,
                fallback_run_id: None,
            },
            strict: true,
            ..LoadOptions::default()
        };
        Archive::load(&[Input::Path(dir.to_path_buf())], opts, &NoProgress).unwrap()
    }

    fn all_refs(archive: &Archive) -> Vec<EventRef> {
        archive.runs.iter().flat_map(|r| r.events.clone()).collect()
    }

    /// Pages of a real run, pretty (as exported) and compact, are read back
    /// to exactly the JSON a load that copies it keeps: compact, every field.
    #[test]
    fn json_read_back_from_files_is_what_a_copy_keeps() {
        let tmp = tempfile::tempdir().unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(RUN);
        let mut expected = Vec::new();
        for (i, name) in ["page-0001.json", "page-0002.json"].iter().enumerate() {
            let pretty = std::fs::read(src.join(name)).unwrap();
            let bytes = if i == 0 {
                pretty
            } else {
                let v: serde_json::Value = serde_json::from_slice(&pretty).unwrap();
                serde_json::to_vec(&v).unwrap()
            };
            std::fs::write(tmp.path().join(name), &bytes).unwrap();
            let copied = parse_bytes(Path::new(name), &bytes, &ParseOptions::default()).unwrap();
            expected.extend((0..copied.batch.len()).map(|row| copied.batch.raw(row).to_vec()));
        }
        let archive = load(tmp.path());
        // Nothing copied: every event's JSON stayed in its file.
        assert!(archive.batches.iter().all(|b| !b.spans.is_empty()));
        assert!((0..archive.batches[0].len()).all(|row| archive.batches[0].raw(row).is_empty()));
        let mut got = Vec::new();
        archive
            .for_each_json(&all_refs(&archive), |_, json| {
                got.push(json.to_vec());
                Ok(())
            })
            .unwrap();
        assert!(got.len() >= 1000, "{}", got.len());
        got.sort();
        expected.sort();
        assert_eq!(got, expected);
    }

    /// Joined blocks are the events' JSON joined, across pieces too: a JSON
    /// array's commas between events only, NDJSON's newline after each.
    #[test]
    fn joined_json_joins_the_events_of_every_piece() {
        let archive = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(RUN));
        let refs = all_refs(&archive);
        let mut events = Vec::new();
        archive
            .for_each_json(&refs, |_, json| {
                events.push(json.to_vec());
                Ok(())
            })
            .unwrap();
        let joined = |join: JsonJoin| {
            let (mut out, mut blocks) = (Vec::new(), 0);
            archive
                .write_joined_json(&refs, join, |block| {
                    out.extend_from_slice(block);
                    blocks += 1;
                    Ok(())
                })
                .unwrap();
            (out, blocks)
        };
        let (array, blocks) = joined(JsonJoin {
            between: b",",
            after_each: b"",
        });
        assert!(blocks > 10, "{blocks} pieces");
        assert_eq!(array, events.join(&b","[..]));
        let (lines, _) = joined(JsonJoin {
            between: b"",
            after_each: b"\n",
        });
        let each_on_a_line: Vec<u8> = events
            .iter()
            .flat_map(|e| e.iter().copied().chain(*b"\n"))
            .collect();
        assert_eq!(lines, each_on_a_line);
    }

    /// Events of two files taken in turns (as a run merged from two
    /// exports can be) read back to the same JSON as each file's events
    /// taken together: pieces that read all their stretches first, and
    /// pieces that read one at a time.
    #[test]
    fn events_of_files_in_turns_read_back_as_in_order() {
        let archive = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(RUN));
        let refs = all_refs(&archive);
        let json_of = |refs: &[EventRef]| {
            let mut got = Vec::new();
            archive
                .for_each_json(refs, |r, json| {
                    got.push(((r.batch, r.row), json.to_vec()));
                    Ok(())
                })
                .unwrap();
            got
        };
        let mut expected = json_of(&refs);
        let (first, second): (Vec<EventRef>, Vec<EventRef>) =
            refs.iter().partition(|r| r.batch == refs[0].batch);
        assert!(first.len() > 10 && second.len() > 10);
        let in_turns: Vec<EventRef> = first
            .chunks(3)
            .zip(second.chunks(2))
            .flat_map(|(a, b)| a.iter().chain(b).copied())
            .collect();
        let mut got = json_of(&in_turns);
        assert!(got.len() > 20);
        got.sort();
        expected.retain(|e| got.binary_search(e).is_ok());
        expected.sort();
        assert_eq!(got, expected);
    }

    /// A file holding several runs keeps copies (printing would read it
    /// again for each run), compact like the rest.
    #[test]
    fn a_file_of_several_runs_keeps_copies() {
        let tmp = tempfile::tempdir().unwrap();
        let ev = |run: &str, ts: u64| {
            serde_json::json!({"__typename": "LogMessageEvent", "runId": run, "message": "a  b",
                "timestamp": ts.to_string(), "level": "INFO", "stepKey": null, "eventType": null})
        };
        let events = serde_json::json!([ev("r1", 1795501832511), ev("r2", 1795501832512)]);
        let pretty = serde_json::to_vec_pretty(&events).unwrap();
        std::fs::write(tmp.path().join("two-runs.json"), pretty).unwrap();
        let archive = load(tmp.path());
        let batch = &archive.batches[0];
        assert!(batch.spans.is_empty());
        let mut got = Vec::new();
        archive
            .for_each_json(&all_refs(&archive), |_, json| {
                got.push(String::from_utf8(json.to_vec()).unwrap());
                Ok(())
            })
            .unwrap();
        assert_eq!(got.len(), 2);
        for (json, run) in got.iter().zip(["r1", "r2"]) {
            assert!(json.starts_with(r#"{"__typename":"LogMessageEvent","eventType":null,"#));
            assert!(json.contains(&format!(r#""message":"a  b","runId":"{run}","#)));
        }
    }

    /// A file that changes between reading and printing is named, not
    /// printed from: rewritten in place, or gone.
    #[test]
    fn a_file_changed_since_it_was_read_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(RUN)
            .join("page-0001.json");
        let page = tmp.path().join("page-0001.json");
        std::fs::copy(&src, &page).unwrap();
        let archive = load(tmp.path());
        let refs = all_refs(&archive);
        let print = |archive: &Archive| {
            archive
                .for_each_json(&refs, |_, _| Ok(()))
                .unwrap_err()
                .to_string()
        };

        let mut longer = std::fs::read(&src).unwrap();
        longer.extend_from_slice(b"\n\n");
        std::fs::write(&page, &longer).unwrap();
        assert_eq!(
            print(&archive),
            format!(
                "{} changed while daglog was reading it; run daglog again to print its events",
                page.display()
            )
        );

        std::fs::remove_file(&page).unwrap();
        let message = print(&archive);
        assert!(
            message.starts_with(&format!(
                "failed to read {} again to print its events: ",
                page.display()
            )),
            "{message}"
        );
    }
}
