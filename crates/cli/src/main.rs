//! `daglog`: the command line. Parsing, validation and exit codes live here;
//! reading is `daglog-ingest`'s and printing `daglog-report`'s.

mod args;
mod commands;
mod config;
mod load;
mod progress;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::config::{
    AnalysisConfig, CapturedConfig, CompareConfig, LogsConfig, ReportConfig, RunsConfig,
};
use crate::load::{NothingRead, StrictStop};

// Reading an archive allocates and frees a buffer per file; glibc returns
// large buffers to the kernel and faults them in again for the next file,
// which cost a third of the run time in system calls. mimalloc keeps them.
// Its `no_thp` feature stops it asking for transparent huge pages: on the
// VM daglog is measured on, touching 300 MB of fresh huge pages took 0.03 to
// 0.8 s against a steady 0.13 to 0.19 s for small pages, and `stats` over
// a 1 GB archive spent 2.4 s in the kernel with them, 1.0 s without.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn run(cli: Cli) -> anyhow::Result<bool> {
    match cli.command {
        Command::Logs(args) => commands::logs::run(&LogsConfig::from_args(&args)?),
        Command::Stats(args) => commands::analysis::stats(&AnalysisConfig::from_stats(&args)?),
        Command::Info(args) => commands::analysis::info(&AnalysisConfig::from_run(&args)?),
        Command::Runs(args) => commands::analysis::runs(&RunsConfig::from_args(&args)?),
        Command::Timeline(args) => {
            commands::analysis::timeline(&AnalysisConfig::from_timeline(&args)?)
        }
        Command::Gaps(args) => commands::analysis::gaps(&AnalysisConfig::from_gaps(&args)?),
        Command::Diagnose(args) => {
            commands::analysis::diagnose(&AnalysisConfig::from_diagnose(&args)?)
        }
        Command::Compare(args) => commands::analysis::compare(&CompareConfig::from_args(&args)?),
        Command::Report(args) => commands::analysis::report(&ReportConfig::from_args(&args)?),
        Command::Output(args) => commands::output::run(&CapturedConfig::from_args(&args)?),
        Command::Completions(args) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Into memory first: `generate` panics on a write error (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, "daglog", &mut script);
            io::stdout().lock().write_all(&script)?;
            Ok(true)
        }
        Command::Man(args) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let page = match &args.command {
                None => cmd,
                Some(name) => {
                    let Some(sub) = cmd.find_subcommand(name).filter(|_| name != "help") else {
                        return Err(config::UsageError(format!(
                            "no command {name:?}; `daglog --help` lists them"
                        ))
                        .into());
                    };
                    // daglog-logs(1), as git and cargo name their pages.
                    sub.clone().name(format!("daglog-{name}"))
                }
            };
            clap_mangen::Man::new(page).render(&mut io::stdout().lock())?;
            Ok(true)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            let status = exit_status(&err);
            if status != 0 {
                let _ = writeln!(io::stderr(), "daglog: error: {err:#}");
            }
            ExitCode::from(status)
        }
    }
}

/// The exit status of a failed run.
fn exit_status(err: &anyhow::Error) -> u8 {
    let io_errors = || err.chain().filter_map(|e| e.downcast_ref::<io::Error>());
    // A closed pipe (`daglog logs … | head`) is a normal way to stop.
    if io_errors().any(|e| e.kind() == io::ErrorKind::BrokenPipe) {
        return 0;
    }
    // Bad input stopped by --strict is 1 like any skipped input, and so is
    // an input that changed before its events were printed; usage errors
    // and anything unexpected are 2.
    let changed_input =
        io_errors().any(|e| e.get_ref().is_some_and(|e| e.is::<daglog_ingest::Error>()));
    if err.downcast_ref::<StrictStop>().is_some()
        || err.downcast_ref::<NothingRead>().is_some()
        || changed_input
    {
        1
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses() {
        let changed = daglog_ingest::Error::Changed {
            path: "exports/page-0001.json".into(),
        };
        assert_eq!(exit_status(&io::Error::other(changed).into()), 1);
        assert_eq!(
            exit_status(&io::Error::from(io::ErrorKind::BrokenPipe).into()),
            0
        );
        assert_eq!(exit_status(&io::Error::other("disk full").into()), 2);
        let usage: anyhow::Error = crate::config::UsageError("bad flag".into()).into();
        assert_eq!(exit_status(&usage), 2);
    }
}
