//! `kiket`: the developer CLI of kiket-rs.
//!
//! ```text
//! kiket send <event> [--version v1] [--file payload.json] [--url http://127.0.0.1:8080] [--secret S] [--token JWT]
//! kiket sample <event> [--version v1]
//! kiket sign [--secret S] [--timestamp UNIX] [--file payload.json]   (body from stdin without --file)
//! kiket manifest check [path]
//! kiket events
//! kiket spec diff <old> <new>
//! kiket new <dir> [--kiket-path <kiket-rs checkout>]
//! kiket queue dead-letters | requeue <id> [--redis URL] [--extension ID]   (feature `redis`)
//! ```
//!
//! Exit codes: 0 success; 1 the server or check said no (non-2xx, invalid manifest);
//! 2 wrong usage; 3 could not connect or read a file.

mod args;
mod commands;
mod new;
mod queue;
mod spec_diff;

use std::process::ExitCode;

/// Exit code of a failed command.
#[derive(Debug)]
pub enum Failure {
    /// The server answered non-2xx, or a check failed.
    Rejected(String),
    /// Wrong usage.
    Usage(String),
    /// Network or file problem.
    Io(String),
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(commands::run(argv)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Rejected(message)) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}\n\n{}", commands::USAGE);
            ExitCode::from(2)
        }
        Err(Failure::Io(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(3)
        }
    }
}
