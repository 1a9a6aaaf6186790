//! The progress bar: indicatif on stderr, only when stderr is a terminal.

use std::sync::atomic::{AtomicU64, Ordering};

use daglog_ingest::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub(crate) struct Bar {
    bar: ProgressBar,
    files: AtomicU64,
    done: AtomicU64,
    visible: bool,
}

impl Bar {
    pub(crate) fn new(visible: bool) -> Self {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} reading {msg} files [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        Bar {
            bar,
            files: AtomicU64::new(0),
            done: AtomicU64::new(0),
            visible,
        }
    }
}

impl Progress for Bar {
    fn found(&self, files: u64, bytes: u64) {
        let files = self.files.fetch_add(files, Ordering::Relaxed) + files;
        self.bar.inc_length(bytes);
        self.bar
            .set_message(format!("{}/{files}", self.done.load(Ordering::Relaxed)));
    }

    fn file_done(&self, bytes: u64) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        self.bar
            .set_message(format!("{done}/{}", self.files.load(Ordering::Relaxed)));
        self.bar.inc(bytes);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn wants_sizes(&self) -> bool {
        self.visible
    }
}
