//! The command line, declared with clap's derive: every command and option once, with its
//! help text; `--help` at every level and `--version` come from here.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// The developer CLI of kiket-rs: send signed deliveries, print sample payloads, check
/// manifests, compare spec versions, scaffold extensions, inspect deferred deliveries.
///
/// Exit codes: 0 success; 1 the server or check said no; 2 wrong usage; 3 could not connect
/// or read a file.
#[derive(Debug, Parser)]
#[command(name = "kiket", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// A command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send a signed delivery to an extension: a catalogued sample, or a JSON file.
    Send(SendArgs),
    /// Print a valid sample payload of a catalogued event.
    Sample(SampleArgs),
    /// Print the headers the platform would send with a body.
    Sign(SignArgs),
    /// Check a manifest: print the resolved configuration (secrets redacted) and any problem.
    Manifest {
        #[command(subcommand)]
        command: ManifestCommand,
    },
    /// List the event catalog: event, version, payload type.
    Events,
    /// Compare two versions of the platform's spec.
    Spec {
        #[command(subcommand)]
        command: SpecCommand,
    },
    /// Create a new extension crate: a typed handler, a manifest, tests that pass offline.
    New(NewArgs),
    /// Deferred deliveries that gave up, in an extension's Redis queue (feature `redis`).
    Queue(QueueArgs),
    /// Print a completion script for a shell (`kiket completions bash > ~/.local/share/bash-completion/completions/kiket`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `kiket send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The event (`issue.created`); `kiket events` lists the catalog.
    pub event: String,
    /// The event version (`v1`; `1` works too).
    #[arg(long, default_value = "v1")]
    pub version: String,
    /// A JSON body to send instead of the catalog's sample (any event, catalogued or not).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Where the extension listens.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// The webhook secret to sign with (default: $KIKET_WEBHOOK_SECRET).
    #[arg(long)]
    pub secret: Option<String>,
    /// A runtime token to put in the body's `authentication.runtime_token`.
    #[arg(long, value_name = "JWT")]
    pub token: Option<String>,
}

/// `kiket sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// The event (`issue.created`).
    pub event: String,
    /// The event version (`v1`; `1` works too).
    #[arg(long, default_value = "v1")]
    pub version: String,
}

/// `kiket sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The webhook secret (default: $KIKET_WEBHOOK_SECRET).
    #[arg(long)]
    pub secret: Option<String>,
    /// The signature's timestamp, unix seconds (default: now).
    #[arg(long, value_name = "UNIX")]
    pub timestamp: Option<i64>,
    /// The body to sign (default: standard input).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
}

/// `kiket manifest …`.
#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// Resolve a manifest (default: discovered in the working directory) with the environment.
    Check {
        /// The manifest file.
        path: Option<PathBuf>,
    },
}

/// `kiket spec …`.
#[derive(Debug, Subcommand)]
pub enum SpecCommand {
    /// Classify every change between two schema directories or two OpenAPI files as additive or
    /// breaking (exit 1 on a breaking one).
    Diff {
        /// The old version.
        old: PathBuf,
        /// The new version.
        new: PathBuf,
    },
}

/// `kiket new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Where the new crate goes (a new or empty directory; its name is the crate's).
    pub dir: PathBuf,
    /// Depend on this checkout of kiket-rs (a path dependency; builds offline).
    #[arg(long, value_name = "DIR", conflicts_with = "kiket_git")]
    pub kiket_path: Option<PathBuf>,
    /// Depend on kiket-rs from this git repository (default: the project's repository, since
    /// nothing is published on crates.io yet).
    #[arg(long, value_name = "URL")]
    pub kiket_git: Option<String>,
}

/// `kiket queue`.
#[derive(Debug, Args)]
pub struct QueueArgs {
    #[command(subcommand)]
    pub command: QueueCommand,
    /// The Redis URL (default: $KIKET_REDIS_URL).
    #[arg(long, global = true)]
    pub redis: Option<String>,
    /// The extension id, the queue's key prefix (default: the manifest's `id`).
    #[arg(long, global = true)]
    pub extension: Option<String>,
}

/// `kiket queue …`.
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// List the dead letters.
    DeadLetters,
    /// Move a dead letter back into the queue.
    Requeue {
        /// Its id (from `dead-letters`).
        id: String,
    },
}
