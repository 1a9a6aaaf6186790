//! Turning the command line's inputs into files to read: each input, then
//! each directory's entries (the archive walks them in parallel).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// One input as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file or a directory (read recursively).
    Path(PathBuf),
    /// `-`: standard input.
    Stdin,
}

impl Input {
    /// `-` is standard input, anything else a path.
    pub fn from_arg(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

/// A file to read.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// Where it is (`<stdin>` for standard input).
    pub(crate) path: PathBuf,
    /// Named on the command line: always read, and an error if it is not an export.
    /// Files found by walking a directory are passed over quietly when they are
    /// plainly not exports (README.md, notes.txt).
    pub(crate) explicit: bool,
    /// Standard input.
    pub(crate) stdin: bool,
    /// File size, for progress.
    pub(crate) size: u64,
}

/// The display path used for standard input.
pub const STDIN_PATH: &str = "<stdin>";

/// Extensions that are read even when their content does not look like JSON,
/// so that a broken `.json` file is reported instead of passed over.
const EXPORT_EXTENSIONS: &[&str] = &["json", "ndjson", "jsonl", "gz", "gzip"];

/// Whether a walked file's name says it is meant to be an export.
pub(crate) fn has_export_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXPORT_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// A file to read, or a directory to list.
#[derive(Debug)]
pub(crate) enum Entry {
    File(Candidate),
    Dir(PathBuf),
}

/// What one command-line input is.
pub(crate) fn expand_input(input: &Input) -> Result<Entry, Error> {
    match input {
        Input::Stdin => Ok(Entry::File(Candidate {
            path: PathBuf::from(STDIN_PATH),
            explicit: true,
            stdin: true,
            size: 0,
        })),
        Input::Path(p) => match fs::metadata(p) {
            Err(source) => Err(Error::Read {
                path: p.clone(),
                source,
            }),
            Ok(m) if m.is_dir() => Ok(Entry::Dir(p.clone())),
            Ok(m) => Ok(Entry::File(Candidate {
                path: p.clone(),
                explicit: true,
                stdin: false,
                size: m.len(),
            })),
        },
    }
}

/// A directory's entries in natural order (`page-2` before `page-10`),
/// hidden ones left out; entries that cannot be read are reported in
/// `errors` (as is the directory itself). Files' sizes are 0 unless `sizes`.
pub(crate) fn list_dir(dir: &Path, sizes: bool, errors: &mut Vec<Error>) -> Vec<Entry> {
    let entries = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(source) => {
            errors.push(Error::Read {
                path: dir.to_path_buf(),
                source,
            });
            return Vec::new();
        }
    };
    let mut items: Vec<(String, Entry)> = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(source) => {
                errors.push(Error::Read {
                    path: dir.to_path_buf(),
                    source,
                });
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        // The entry's type comes with the listing; only files need a stat,
        // for their size. Links are followed to files, not to directories,
        // so a link cannot loop.
        let size = match entry.file_type() {
            Ok(t) if t.is_dir() => {
                items.push((name, Entry::Dir(path)));
                continue;
            }
            Ok(t) if t.is_file() && !sizes => 0,
            Ok(t) if t.is_symlink() => match fs::metadata(&path) {
                Ok(m) if m.is_file() => m.len(),
                _ => continue,
            },
            _ => match entry.metadata() {
                Ok(m) if m.is_file() => m.len(),
                Ok(_) => continue,
                Err(source) => {
                    errors.push(Error::Read { path, source });
                    continue;
                }
            },
        };
        let c = Candidate {
            path,
            explicit: false,
            stdin: false,
            size,
        };
        items.push((name, Entry::File(c)));
    }
    items.sort_by(|a, b| natural_cmp(&a.0, &b.0));
    items.into_iter().map(|(_, e)| e).collect()
}

/// Compares strings with digit runs compared as numbers.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, _) => return std::cmp::Ordering::Less,
            (_, None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let na = std::str::from_utf8(&a[..da])
                    .unwrap_or("0")
                    .trim_start_matches('0');
                let nb = std::str::from_utf8(&b[..db])
                    .unwrap_or("0")
                    .trim_start_matches('0');
                let ord = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
                a = &a[da..];
                b = &b[db..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_compares_numbers() {
        let mut v = vec!["page-10.json", "page-2.json", "page-0001.json", "a"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            vec!["a", "page-0001.json", "page-2.json", "page-10.json"]
        );
    }
}
