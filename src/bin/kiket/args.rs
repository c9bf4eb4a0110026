//! A small argument parser: positional words and `--flag value` options.

use crate::Failure;
use std::collections::HashMap;

/// Parsed arguments of one command.
pub struct Args {
    positional: Vec<String>,
    options: HashMap<String, String>,
}

impl Args {
    /// Splits `argv` into positional words and `--name value` / `--name=value` options,
    /// accepting only the option names in `allowed`.
    pub fn parse(argv: &[String], allowed: &[&str]) -> Result<Self, Failure> {
        let mut positional = Vec::new();
        let mut options = HashMap::new();
        let mut words = argv.iter();
        while let Some(word) = words.next() {
            let Some(name) = word.strip_prefix("--") else {
                positional.push(word.clone());
                continue;
            };
            let (name, value) = match name.split_once('=') {
                Some((name, value)) => (name.to_owned(), value.to_owned()),
                None => {
                    let value = words.next().ok_or_else(|| Failure::Usage(format!("--{name} needs a value")))?;
                    (name.to_owned(), value.clone())
                }
            };
            if !allowed.contains(&name.as_str()) {
                return Err(Failure::Usage(format!("unknown option --{name}")));
            }
            options.insert(name, value);
        }
        Ok(Self { positional, options })
    }

    /// Positional word `index`.
    pub fn positional(&self, index: usize) -> Option<&str> {
        self.positional.get(index).map(String::as_str)
    }

    /// Number of positional words.
    pub fn positional_count(&self) -> usize {
        self.positional.len()
    }

    /// An option's value.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options.get(name).map(String::as_str)
    }
}
