//! Turning the command line's inputs into files to read: each input, then
//! each directory's entries (the archive walks them in parallel).
//!
//! On Linux a directory is listed, and its entries opened, from the
//! directory's own file descriptor: opening an entry then looks up one name
//! instead of every directory of its path, and listing costs no `fstat`
//! (std's `read_dir` goes through `opendir`, which makes one). An archive of
//! one folder per run has more directories than files; on the benchmark
//! corpus (28,037 directories, 12,905 files) this takes 28,000 system calls
//! off every load, and 41,000 opens look up one name instead of seven. A
//! directory's descriptor stays open while its entries are read: 17 at
//! most at once on that corpus.

use std::fs::{self, File};
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
    /// Its directory, open, when it was found by listing one.
    pub(crate) parent: Option<Parent>,
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

/// Extensions of files that sit among exports but never are one: a
/// `DAGSTER_HOME`'s compute logs (`.out`, `.err`, `.complete`), SQLite's
/// side files, configuration, notes. A walked file with one is passed over
/// without being read, even when its text happens to open with `{`.
const NOT_EXPORT_EXTENSIONS: &[&str] = &[
    "out",
    "err",
    "complete",
    "log",
    "md",
    "rst",
    "yaml",
    "yml",
    "toml",
    "ini",
    "cfg",
    "py",
    "pyc",
    "pkl",
    "pickle",
    "parquet",
    "html",
    "css",
    "js",
    "lock",
    "sh",
    "db-wal",
    "db-shm",
    "db-journal",
    "sqlite-wal",
    "sqlite-shm",
    "sqlite-journal",
];

/// Whether a walked file's name says it is not an export.
pub(crate) fn has_non_export_extension(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        NOT_EXPORT_EXTENSIONS
            .iter()
            .any(|x| x.eq_ignore_ascii_case(e))
    })
}

/// What a file named on the command line that is not an export looks like,
/// when it is something a `DAGSTER_HOME` or a project holds: said instead of
/// a JSON error at byte 0. `None` for anything else (a broken export keeps
/// its JSON error and place).
pub(crate) fn what_it_looks_like(path: &Path, head: &[u8]) -> Option<String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let in_compute_logs = path.components().any(|c| c.as_os_str() == "compute_logs");
    let text = std::str::from_utf8(&head[..head.len().min(4096)]).ok();
    let dagster_log_line = text.is_some_and(|t| t.contains(" - dagster - "));
    Some(match ext.as_str() {
        "out" | "err" if in_compute_logs || dagster_log_line => {
            "a Dagster compute log (what a step process printed), not an export; \
             `daglog output DAGSTER_HOME --run-id …` prints these"
                .to_string()
        }
        "complete" if in_compute_logs => {
            "the marker Dagster leaves when a compute log is complete, not an export".to_string()
        }
        "yaml" | "yml" => {
            "YAML (Dagster's dagster.yaml or workspace.yaml?), not an export".to_string()
        }
        _ if head.first() == Some(&0x80) && head.get(1).is_some_and(|v| (2..=5).contains(v)) => {
            "a pickled Python object (an IO manager's stored output), not an export".to_string()
        }
        _ if dagster_log_line => {
            "Dagster's log text (a compute log or a terminal capture), not an export; \
             export the run's events (logsForRun) or give the DAGSTER_HOME"
                .to_string()
        }
        _ if has_non_export_extension(path) => match text {
            Some(_) => format!("a .{ext} text file, not an export"),
            None => format!("a .{ext} file of binary data, not an export"),
        },
        _ => return None,
    })
}

impl Candidate {
    /// Opens the file for reading.
    pub(crate) fn open(&self) -> std::io::Result<File> {
        match &self.parent {
            Some(parent) => parent.open_file(),
            None => File::open(&self.path),
        }
    }
}

/// A directory to list.
#[derive(Debug, Clone)]
pub(crate) struct DirPlace {
    pub(crate) path: PathBuf,
    /// Its parent directory, open, when it was found by listing one.
    pub(crate) parent: Option<Parent>,
}

/// A file to read, or a directory to list.
#[derive(Debug)]
pub(crate) enum Entry {
    File(Candidate),
    Dir(DirPlace),
}

impl Entry {
    /// The file's or directory's path.
    pub(crate) fn path(&self) -> &Path {
        match self {
            Entry::File(c) => &c.path,
            Entry::Dir(d) => &d.path,
        }
    }
}

/// Files and folders not to read when walking a folder (`--exclude`): a
/// glob matches an entry's name, or its whole path as daglog shows it (`*`
/// crosses `/` there). Inputs named on the command line are always read.
#[derive(Debug, Clone, Default)]
pub struct Exclude {
    globs: Option<globset::GlobSet>,
}

impl Exclude {
    /// Compiles `globs`; the error names the glob that is not one.
    pub fn new<S: AsRef<str>>(globs: &[S]) -> Result<Exclude, String> {
        if globs.is_empty() {
            return Ok(Exclude::default());
        }
        let mut set = globset::GlobSetBuilder::new();
        for g in globs {
            let g = g.as_ref();
            set.add(
                globset::Glob::new(g).map_err(|e| format!("{g:?} is not a glob: {}", e.kind()))?,
            );
        }
        let globs = set.build().map_err(|e| e.to_string())?;
        Ok(Exclude { globs: Some(globs) })
    }

    /// No glob given.
    pub fn is_empty(&self) -> bool {
        self.globs.is_none()
    }

    /// Whether `path` (a walked file or folder) is excluded.
    pub fn matches(&self, path: &Path) -> bool {
        self.globs.as_ref().is_some_and(|g| {
            g.is_match(path) || path.file_name().is_some_and(|name| g.is_match(name))
        })
    }
}

/// The open directory an entry was listed from, and the entry's name there.
#[cfg(target_os = "linux")]
pub(crate) type Parent = linux::Parent;

/// Only Linux walks directories by file descriptor.
#[cfg(not(target_os = "linux"))]
#[derive(Debug, Clone)]
pub(crate) enum Parent {}

#[cfg(not(target_os = "linux"))]
impl Parent {
    fn open_file(&self) -> std::io::Result<File> {
        match *self {}
    }
}

/// What a non-regular file is, in words.
fn file_kind(m: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = m.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    let _ = m;
    "a special file"
}

/// What one command-line input is.
pub(crate) fn expand_input(input: &Input) -> Result<Entry, Error> {
    match input {
        Input::Stdin => Ok(Entry::File(Candidate {
            path: PathBuf::from(STDIN_PATH),
            parent: None,
            explicit: true,
            stdin: true,
            size: 0,
        })),
        Input::Path(p) => match fs::metadata(p) {
            Err(source) => Err(Error::Read {
                path: p.clone(),
                source,
            }),
            Ok(m) if m.is_dir() => Ok(Entry::Dir(DirPlace {
                path: p.clone(),
                parent: None,
            })),
            // A FIFO, socket or device could block forever or never end.
            Ok(m) if !m.is_file() => Err(Error::Shape {
                path: p.clone(),
                found: format!(
                    "{}, not a regular file; give a file or a folder, or `-` to read standard input \
                     (`daglog … - < {}`)",
                    file_kind(&m),
                    p.display()
                ),
            }),
            Ok(m) => Ok(Entry::File(Candidate {
                path: p.clone(),
                parent: None,
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
///
/// The entry's type comes with the listing; only files need a stat, for
/// their size. Links are followed to files, not to directories, so a link
/// cannot loop.
pub(crate) fn list_dir(dir: &DirPlace, sizes: bool, errors: &mut Vec<Error>) -> Vec<Entry> {
    #[cfg(target_os = "linux")]
    let mut items = linux::list(dir, sizes, errors);
    #[cfg(not(target_os = "linux"))]
    let mut items = list_with_std(&dir.path, sizes, errors);
    items.sort_by(|a, b| natural_cmp(&a.0, &b.0));
    items.into_iter().map(|(_, e)| e).collect()
}

/// [`list_dir`] with std's `read_dir`, unsorted, with each entry's name.
#[cfg_attr(target_os = "linux", allow(dead_code))]
fn list_with_std(dir: &Path, sizes: bool, errors: &mut Vec<Error>) -> Vec<(String, Entry)> {
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
        let through_link = |path: &Path| match fs::metadata(path) {
            Ok(m) if m.is_file() => Found::File(m.len()),
            _ => Found::Neither,
        };
        let found = match entry.file_type() {
            Ok(t) if t.is_dir() => Found::Dir,
            Ok(t) if t.is_file() && !sizes => Found::File(0),
            Ok(t) if t.is_symlink() => through_link(&path),
            // A size to find, or a type the listing did not give.
            _ => match entry.metadata() {
                Ok(m) if m.is_file() => Found::File(m.len()),
                Ok(m) if m.is_dir() => Found::Dir,
                Ok(m) if m.is_symlink() => through_link(&path),
                Ok(_) => Found::Neither,
                Err(source) => {
                    errors.push(Error::Read {
                        path: path.clone(),
                        source,
                    });
                    Found::Neither
                }
            },
        };
        if let Some(listed) = found.entry(path, None) {
            items.push((name, listed));
        }
    }
    items
}

/// What a listed name is, for the walk.
enum Found {
    Dir,
    /// A file, or a link to one, and its size (0 when not asked for).
    File(u64),
    /// Anything else, or a link to anything else: passed over.
    Neither,
}

impl Found {
    /// The entry to walk or read, if any.
    fn entry(self, path: PathBuf, parent: Option<Parent>) -> Option<Entry> {
        match self {
            Found::Dir => Some(Entry::Dir(DirPlace { path, parent })),
            Found::File(size) => Some(Entry::File(Candidate {
                path,
                parent,
                explicit: false,
                stdin: false,
                size,
            })),
            Found::Neither => None,
        }
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::ffi::{CStr, CString, OsStr};
    use std::fs::File;
    use std::io;
    use std::os::fd::OwnedFd;
    use std::os::unix::ffi::OsStrExt;
    use std::sync::Arc;

    use rustix::fs::{AtFlags, FileType, Mode, OFlags, RawDir};

    use super::{DirPlace, Entry, Found};
    use crate::error::Error;

    /// An entry's directory, open (shared by its entries), and its name there.
    #[derive(Debug, Clone)]
    pub(crate) struct Parent {
        dir: Arc<OwnedFd>,
        name: CString,
    }

    impl Parent {
        pub(super) fn open_file(&self) -> io::Result<File> {
            let flags = OFlags::RDONLY | OFlags::CLOEXEC;
            Ok(File::from(rustix::fs::openat(
                &*self.dir,
                self.name.as_c_str(),
                flags,
                Mode::empty(),
            )?))
        }
    }

    fn open_dir(dir: &DirPlace) -> io::Result<OwnedFd> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        Ok(match &dir.parent {
            Some(p) => rustix::fs::openat(&*p.dir, p.name.as_c_str(), flags, Mode::empty())?,
            None => rustix::fs::openat(rustix::fs::CWD, &dir.path, flags, Mode::empty())?,
        })
    }

    /// `super::list_with_std`, by file descriptor.
    pub(super) fn list(
        dir: &DirPlace,
        sizes: bool,
        errors: &mut Vec<Error>,
    ) -> Vec<(String, Entry)> {
        let read_error = |path: &std::path::Path, e: io::Error| Error::Read {
            path: path.to_path_buf(),
            source: e,
        };
        let fd = match open_dir(dir) {
            Ok(fd) => Arc::new(fd),
            Err(e) => {
                errors.push(read_error(&dir.path, e));
                return Vec::new();
            }
        };
        let mut buf = Vec::with_capacity(32 << 10);
        let mut listing = RawDir::new(&*fd, buf.spare_capacity_mut());
        let mut items = Vec::new();
        while let Some(entry) = listing.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    errors.push(read_error(&dir.path, e.into()));
                    break;
                }
            };
            let c_name: &CStr = entry.file_name();
            if c_name.to_bytes().starts_with(b".") {
                continue;
            }
            let name = OsStr::from_bytes(c_name.to_bytes());
            let path = dir.path.join(name);
            let parent = Some(Parent {
                dir: Arc::clone(&fd),
                name: c_name.to_owned(),
            });
            let stat = |follow: bool| {
                let flags = if follow {
                    AtFlags::empty()
                } else {
                    AtFlags::SYMLINK_NOFOLLOW
                };
                rustix::fs::statat(&*fd, c_name, flags)
            };
            // A link counts only when it leads to a file.
            let through_link = || match stat(true) {
                Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::RegularFile => {
                    Found::File(st.st_size as u64)
                }
                _ => Found::Neither,
            };
            let found = match entry.file_type() {
                FileType::Directory => Found::Dir,
                FileType::RegularFile if !sizes => Found::File(0),
                FileType::Symlink => through_link(),
                // A size to find, or a type the listing did not give.
                _ => match stat(false) {
                    Ok(st) => match FileType::from_raw_mode(st.st_mode) {
                        FileType::RegularFile => Found::File(st.st_size as u64),
                        FileType::Directory => Found::Dir,
                        FileType::Symlink => through_link(),
                        _ => Found::Neither,
                    },
                    Err(e) => {
                        errors.push(read_error(&path, e.into()));
                        Found::Neither
                    }
                },
            };
            if let Some(listed) = found.entry(path, parent) {
                items.push((name.to_string_lossy().into_owned(), listed));
            }
        }
        items
    }
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

    /// Each entry as (name, "dir" or the file's size) and, for files, its
    /// bytes read through [`Candidate::open`].
    fn described(entries: &[Entry]) -> Vec<(String, String)> {
        entries
            .iter()
            .map(|e| match e {
                Entry::Dir(d) => (name_of(&d.path), "dir".to_string()),
                Entry::File(c) => {
                    let mut text = String::new();
                    std::io::Read::read_to_string(&mut c.open().unwrap(), &mut text).unwrap();
                    (name_of(&c.path), format!("{} {text}", c.size))
                }
            })
            .collect()
    }

    fn name_of(path: &Path) -> String {
        path.file_name().unwrap().to_string_lossy().into_owned()
    }

    /// Natural order, hidden entries left out, links followed to files only
    /// (not to directories, not when dangling), sizes only when asked for;
    /// the same from the Linux listing as from std's, and nested directories
    /// listed from their parent's descriptor open the right files.
    #[test]
    fn a_directory_lists_its_files_and_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for (name, text) in [
            ("page-10.json", "ten"),
            ("page-2.json", "two"),
            (".hidden.json", "no"),
        ] {
            std::fs::write(root.join(name), text).unwrap();
        }
        std::fs::create_dir_all(root.join("run-b/pages")).unwrap();
        std::fs::write(root.join("run-b/pages/page-1.json"), "nested").unwrap();
        std::fs::create_dir(root.join(".git")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink(root.join("page-2.json"), root.join("link-to-file.json")).unwrap();
            symlink(root.join("run-b"), root.join("link-to-dir")).unwrap();
            symlink(root.join("missing"), root.join("dangling.json")).unwrap();
        }
        let top = DirPlace {
            path: root.to_path_buf(),
            parent: None,
        };
        let mut errors = Vec::new();
        let listed = list_dir(&top, true, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let mut expected = vec![
            ("link-to-file.json", "3 two"),
            ("page-2.json", "3 two"),
            ("page-10.json", "3 ten"),
            ("run-b", "dir"),
        ];
        if cfg!(not(unix)) {
            expected.remove(0);
        }
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|&(n, d)| (n.to_string(), d.to_string()))
            .collect();
        assert_eq!(described(&listed), expected);

        let unsized_listing = list_dir(&top, false, &mut errors);
        let page2 = described(&unsized_listing)[1].clone();
        assert_eq!(page2, ("page-2.json".to_string(), "0 two".to_string()));

        let mut std_listing = list_with_std(root, true, &mut errors);
        std_listing.sort_by(|a, b| natural_cmp(&a.0, &b.0));
        let std_entries: Vec<Entry> = std_listing.into_iter().map(|(_, e)| e).collect();
        assert_eq!(described(&std_entries), expected);

        let Entry::Dir(run) = &listed[3] else {
            panic!("run-b is a directory")
        };
        let Entry::Dir(pages) = &list_dir(run, true, &mut errors)[0] else {
            panic!("pages is a directory")
        };
        assert_eq!(
            described(&list_dir(pages, true, &mut errors)),
            vec![("page-1.json".to_string(), "6 nested".to_string())]
        );
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn an_unreadable_directory_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let gone = DirPlace {
            path: tmp.path().join("gone"),
            parent: None,
        };
        let mut errors = Vec::new();
        assert!(list_dir(&gone, false, &mut errors).is_empty());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].to_string().contains("gone"), "{}", errors[0]);
    }

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
