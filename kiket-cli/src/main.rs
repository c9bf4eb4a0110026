//! `kiket`: the developer CLI of kiket-rs. `kiket --help` lists the commands, `kiket <command>
//! --help` explains one.
//!
//! Exit codes: 0 success; 1 the server or check said no (non-2xx, invalid manifest, breaking
//! spec changes); 2 wrong usage; 3 could not connect or read a file.

mod cli;
mod commands;
mod new;
mod queue;
mod spec_diff;
mod suggest;
mod terminal;

use clap::Parser;
use std::process::ExitCode;

/// Why a command failed; each kind has its exit code.
#[derive(Debug)]
pub enum Failure {
    /// The server answered non-2xx, or a check failed (exit 1).
    Rejected(String),
    /// Wrong usage (exit 2).
    Usage(String),
    /// Network or file problem (exit 3).
    Io(String),
}

fn main() -> ExitCode {
    // clap prints its own usage errors (exit 2), `--help` and `--version` (exit 0).
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(commands::run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Rejected(message)) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}\n\nFor more information, try '--help'.");
            ExitCode::from(2)
        }
        Err(Failure::Io(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(3)
        }
    }
}
