//! The CLI's commands.

use crate::cli::{Cli, Command, ManifestCommand, NewArgs, SampleArgs, SendArgs, SignArgs, SpecCommand};
use crate::Failure;
use clap::CommandFactory;
use kiket::sdk::verify::{sign, signature_headers, Clock, SystemClock};
use kiket::sdk::Config;
use kiket::types::catalog;
use std::io::Read;
use std::path::{Path, PathBuf};

/// `kiket new <dir> [--kiket-path <checkout> | --kiket-git <url>]`.
fn new(args: NewArgs) -> Result<(), Failure> {
    let source = match (args.kiket_path, args.kiket_git) {
        (Some(path), _) => crate::new::Source::Path(path),
        (None, Some(url)) => crate::new::Source::Git(url),
        (None, None) => crate::new::Source::Git(crate::new::REPOSITORY.to_owned()),
    };
    let name = crate::new::scaffold(&args.dir, &source)?;
    let dir = args.dir.display();
    println!(
        "created {name} in {dir} ({})

  cd {dir}
  cargo test
  KIKET_ENV=development cargo run      # a development secret and a local mock of the Kiket API, loopback only",
        source.describe()
    );
    Ok(())
}

/// Runs `command`.
pub async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Send(args) => send(args).await,
        Command::Sample(args) => sample(&args),
        Command::Sign(args) => sign_body(args),
        Command::Manifest { command: ManifestCommand::Check { path } } => manifest_check(path),
        Command::Events => events(),
        Command::Spec { command: SpecCommand::Diff { old, new } } => spec_diff(&old, &new),
        Command::New(args) => new(args),
        Command::Queue(args) => crate::queue::run(args).await,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "kiket", &mut std::io::stdout());
            Ok(())
        }
    }
}

/// The secret to sign with: `--secret`, else `KIKET_WEBHOOK_SECRET`, else the published
/// development secret that servers in development mode accept (said on standard error).
fn secret_of(secret: Option<String>) -> String {
    secret
        .or_else(|| std::env::var(kiket::sdk::config::env::KIKET_WEBHOOK_SECRET).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| {
            eprintln!(
                "signing with the published development secret (accepted by a server in development mode); \
                 pass --secret or set KIKET_WEBHOOK_SECRET for another"
            );
            kiket::sdk::config::DEVELOPMENT_WEBHOOK_SECRET.to_owned()
        })
}

fn read_file(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Io(format!("cannot read {}: {e}", path.display())))
}

/// The catalog's sample of `event` at `version` (`1` ≡ `v1`).
fn sample_of(event: &str, version: &str) -> Result<serde_json::Value, Failure> {
    catalog::find(event, &catalog::version_label(version))
        .map(catalog::EventSchema::sample)
        .ok_or_else(|| crate::suggest::not_in_catalog(event, version))
}

async fn send(args: SendArgs) -> Result<(), Failure> {
    let (event, version) = (args.event.as_str(), args.version.as_str());
    let url = args.url.trim_end_matches('/');
    let secret = secret_of(args.secret);
    let mut body = match &args.file {
        Some(path) => {
            let bytes = read_file(path)?;
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .map_err(|e| Failure::Io(format!("{} is not JSON: {e}", path.display())))?
        }
        None => sample_of(event, version)?,
    };
    if let (Some(token), Some(object)) = (&args.token, body.as_object_mut()) {
        object.insert("authentication".into(), serde_json::json!({ "runtime_token": token }));
    }
    let bytes = serde_json::to_vec(&body).map_err(|e| Failure::Io(e.to_string()))?;
    let timestamp = SystemClock.now_unix();
    let target = format!("{url}/webhooks/{event}");
    eprintln!("POST {target} ({version}, {} bytes, signed)", bytes.len());
    let mut request = reqwest::Client::new()
        .post(&target)
        .header("content-type", "application/json")
        .header(kiket::types::headers::EVENT_VERSION.name(), version);
    for (name, value) in signature_headers(&secret, timestamp, &bytes) {
        request = request.header(name, value);
    }
    let response =
        request.body(bytes).send().await.map_err(|e| Failure::Io(format!("could not reach {target}: {e}")))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    println!("{}", status.as_u16());
    println!("{text}");
    if status.is_success() {
        Ok(())
    } else {
        Err(Failure::Rejected(format!("the extension answered {status}")))
    }
}

fn sample(args: &SampleArgs) -> Result<(), Failure> {
    let sample = sample_of(&args.event, &args.version)?;
    println!("{}", serde_json::to_string_pretty(&sample).unwrap_or_default());
    Ok(())
}

fn sign_body(args: SignArgs) -> Result<(), Failure> {
    let secret = secret_of(args.secret);
    let timestamp = args.timestamp.unwrap_or_else(|| SystemClock.now_unix());
    let body = match &args.file {
        Some(path) => read_file(path)?,
        None => {
            let mut buffer = Vec::new();
            std::io::stdin().read_to_end(&mut buffer).map_err(|e| Failure::Io(format!("cannot read stdin: {e}")))?;
            buffer
        }
    };
    println!("{}: {timestamp}", kiket::types::headers::TIMESTAMP);
    println!("{}: {}", kiket::types::headers::SIGNATURE, sign(&secret, timestamp, &body));
    Ok(())
}

fn manifest_check(path: Option<PathBuf>) -> Result<(), Failure> {
    let builder = Config::builder().with_env();
    let builder = match path {
        Some(path) => {
            if !path.exists() {
                return Err(Failure::Io(format!("{} does not exist", path.display())));
            }
            builder.manifest_path(path)
        }
        None => {
            let cwd = std::env::current_dir().map_err(|e| Failure::Io(e.to_string()))?;
            if kiket::sdk::manifest::discover(&cwd).is_none() {
                return Err(Failure::Rejected(format!(
                    "no manifest in {} (looked for {})",
                    cwd.display(),
                    kiket::sdk::manifest::MANIFEST_NAMES.join(", ")
                )));
            }
            builder.discover_manifest(cwd)
        }
    };
    let config = builder.build().map_err(|e| Failure::Rejected(format!("manifest check failed: {e}")))?;
    println!("{}", serde_json::to_string_pretty(&config.describe()).unwrap_or_default());
    if let Some(manifest) = config.manifest() {
        eprint!("{}", declarations(manifest));
    }
    let mut problems = config.manifest().map(|m| m.problems()).unwrap_or_default();
    problems.extend(config.settings().unset_required().iter().map(|key| {
        format!("required setting `{key}` has no value here: it must arrive with each delivery (secrets.{key}) or be set in the environment")
    }));
    for problem in &problems {
        eprintln!("warning: {problem}");
    }
    eprintln!(
        "manifest OK{}",
        if problems.is_empty() { String::new() } else { format!(" ({} warnings)", problems.len()) }
    );
    Ok(())
}

/// What the manifest declares, for a reader: events, hooks with their deadlines, commands,
/// workflow actions with their parameters, settings with their defaults (secrets never shown).
fn declarations(manifest: &kiket::sdk::manifest::Manifest) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    // Manifest text reaches a terminal: control characters escaped, quotes left as they are.
    use crate::terminal::clean;
    let _ = writeln!(
        out,
        "declared events: {}",
        manifest.declared_events().iter().map(|e| clean(e)).collect::<Vec<_>>().join(", ")
    );
    for hook in &manifest.hooks {
        let timeout = match (hook.timeout, hook.handler_deadline()) {
            (Some(ms), Some(deadline)) => format!("{ms} ms (inline handlers cut off at {} ms)", deadline.as_millis()),
            _ => "no deadline (inline handlers get the handler timeout)".to_owned(),
        };
        let retries =
            hook.retries.map_or(String::new(), |r| format!(", {r} {}", if r == 1 { "retry" } else { "retries" }));
        let _ = writeln!(out, "hook {}: {timeout}{retries}", clean(&hook.event));
    }
    if let Some(contributes) = &manifest.contributes {
        for command in &contributes.commands {
            let event = command.event();
            let _ = writeln!(out, "command {} → event {}", clean(&command.command), clean(event));
        }
        for action in &contributes.workflow_actions {
            let event = action.event().unwrap_or("(no event)");
            let parameters: Vec<String> = action
                .parameters
                .iter()
                .map(|p| {
                    let kind = p.kind.as_deref().unwrap_or("string");
                    format!("{}: {}{}", clean(&p.key), clean(kind), if p.required { " (required)" } else { "" })
                })
                .collect();
            let _ = writeln!(
                out,
                "workflow action {} → event {} ({})",
                clean(&action.id),
                clean(event),
                parameters.join(", ")
            );
        }
    }
    for (key, property) in manifest.configuration.iter().flat_map(|c| &c.properties) {
        let kind = property.kind.as_deref().unwrap_or("string");
        let default = match (property.typed_default(), property.secret) {
            (Ok(None), _) => "no default".to_owned(),
            (_, true) => "default [redacted]".to_owned(),
            (Ok(Some(value)), false) => format!("default {}", clean(&value.to_string())),
            (Err(problem), false) => format!("default unusable: {}", clean(&problem)),
        };
        let flags = [(property.secret, " secret"), (property.required, " required")];
        let flags: String = flags.iter().filter(|(on, _)| *on).map(|(_, name)| *name).collect();
        let _ = writeln!(out, "setting {}: {}, {default}{flags}", clean(key), clean(kind));
    }
    out
}

fn events() -> Result<(), Failure> {
    for entry in catalog::EVENTS {
        println!("{:<34} {:<4} {}", entry.event, entry.version, entry.type_name);
    }
    Ok(())
}

fn spec_diff(old: &Path, new: &Path) -> Result<(), Failure> {
    for path in [old, new] {
        if !path.exists() {
            return Err(Failure::Io(format!("{} does not exist", path.display())));
        }
    }
    let changes = crate::spec_diff::diff_paths(old, new).map_err(Failure::Io)?;
    for change in &changes {
        println!("{change}");
    }
    let breaking = changes.iter().filter(|c| c.impact == crate::spec_diff::Impact::Breaking).count();
    println!("{} changes: {breaking} breaking, {} additive", changes.len(), changes.len() - breaking);
    if breaking > 0 {
        return Err(Failure::Rejected(format!("{breaking} breaking change(s) for extension authors")));
    }
    Ok(())
}
