//! Types written by hand that the generated code uses in place of typify's own.

mod id;
mod secret;

pub use id::Id;
pub use secret::{secret_env_name, SecretString};
