//! Progress reporting, as a trait: this crate never draws anything itself.

/// Receives progress while an archive is read. Called from several threads.
pub trait Progress: Send + Sync {
    /// More files were found: this many, this many bytes in all. Directories
    /// are listed while files are already being read, so the totals grow.
    fn found(&self, _files: u64, _bytes: u64) {}
    /// One file is done (read and parsed, or skipped).
    fn file_done(&self, _bytes: u64) {}
    /// All files are done.
    fn finish(&self) {}
    /// Whether [`Progress::found`] and [`Progress::file_done`] need the
    /// files' sizes: finding them out costs a system call per file found
    /// while walking a directory. Sizes are 0 when it says no.
    fn wants_sizes(&self) -> bool {
        true
    }
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn wants_sizes(&self) -> bool {
        false
    }
}
