//! The manifest's typed model (PROTOCOL.md §5). Unknown keys are kept in `extra` maps.

use super::load::ManifestError;
use super::reference::{line_of, referenced_variables, resolve_references};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// An extension manifest: the 1.x shape (`.kiket/manifest.yaml`, `model_version: "1.0"`,
/// fields under `extension:`, PROTOCOL §9.1) or the older flat one (`extension.yaml`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Manifest {
    /// `model_version` (top level, beside `extension:`), e.g. `"1.0"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
    /// Extension id, e.g. `com.example.marketing`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Extension version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Vendor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The language the extension is written in (a hint: `rust`, `python`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sdk: Option<String>,
    /// The extension API version it speaks (`v1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Author.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Home page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// How the platform delivers events: a delivery type (`http`) or a mapping with
    /// `callback.secret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// 1.x: the callback beside `delivery: http` (URL, secret, timeout).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback: Option<Callback>,
    /// Configuration properties (settings) of the extension.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration: Option<Configuration>,
    /// Custom-data permissions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomDataSpec>,
    /// Scopes requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Scopes>,
    /// Events the extension subscribes to (the flat shape).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    /// 1.x: events the extension subscribes to.
    #[serde(rename = "activationEvents", skip_serializing_if = "Vec::is_empty")]
    pub activation_events: Vec<String>,
    /// 1.x: scopes in `resource:action` form (`issues:read`), the same scopes as the runtime
    /// token's dotted form (`issues.read`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
    /// 1.x: free-form tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<Value>,
    /// 1.x: the platform's deadline and retries per event.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Hook>,
    /// 1.x: commands and workflow actions the extension adds to Kiket's UI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contributes: Option<Contributes>,
    /// Actions offered in the UI.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
    /// Output fields shown in the configuration UI (free-form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_fields: Option<Value>,
    /// Keys this SDK does not read, kept as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The file it was read from (not part of the manifest itself).
    #[serde(skip)]
    #[cfg_attr(feature = "json-schema", schemars(skip))]
    pub source: Option<std::path::PathBuf>,
}

/// `delivery`: a plain delivery type (`http`, which is **not** a secret) or a mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Delivery {
    /// A delivery type such as `http`.
    Type(String),
    /// A delivery mapping.
    Config(DeliveryConfig),
}

/// `delivery` as a mapping.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct DeliveryConfig {
    /// Delivery type (`http`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Callback settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback: Option<Callback>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `delivery.callback`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Callback {
    /// Callback URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Webhook secret: a literal, or a reference (`env.NAME`, `env:NAME`, `${NAME}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// 1.x: how long the platform waits for an answer, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// 1.x: whether the platform needs the callback to answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = self.secret.as_deref().map(shown);
        f.debug_struct("Callback")
            .field("url", &self.url)
            .field("secret", &secret)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A secret as it may be shown: a reference names a variable and is shown; a literal is not.
fn shown(secret: &str) -> &str {
    if referenced_variables(secret).is_empty() {
        "[redacted]"
    } else {
        secret
    }
}

/// 1.x `hooks[]`: the platform's callback deadline and retries for one event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Hook {
    /// The event.
    pub event: String,
    /// A template the platform renders (free-form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// How long the platform waits for the answer, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// How many times the platform retries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Hook {
    /// How long a handler of this hook's event may run inline: the platform's `timeout` less a
    /// margin for the answer to travel back, a tenth of it and at most
    /// [`HOOK_MARGIN_MAX`] (2 s → 1.8 s; 8 s → 7.2 s; 30 s → 29 s). `None` without a timeout
    /// (or with `0`). The server makes it the deadline of the event's inline routes that set
    /// none themselves.
    ///
    /// ```
    /// use std::time::Duration;
    /// let hook = kiket_sdk::manifest::Hook { event: "case.created".into(), timeout: Some(2000), ..Default::default() };
    /// assert_eq!(hook.handler_deadline(), Some(Duration::from_millis(1800)));
    /// let slow = kiket_sdk::manifest::Hook { timeout: Some(30_000), ..hook.clone() };
    /// assert_eq!(slow.handler_deadline(), Some(Duration::from_secs(29)));
    /// ```
    pub fn handler_deadline(&self) -> Option<std::time::Duration> {
        let timeout = std::time::Duration::from_millis(self.timeout.filter(|ms| *ms > 0)?);
        Some(timeout - (timeout / 10).min(HOOK_MARGIN_MAX))
    }
}

/// The largest margin [`Hook::handler_deadline`] keeps between a handler's deadline and the
/// platform's.
pub const HOOK_MARGIN_MAX: std::time::Duration = std::time::Duration::from_secs(1);

/// 1.x `contributes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Contributes {
    /// Commands a user runs in Kiket's UI, each delivered as an extension event.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<CommandContribution>,
    /// Steps users add to a workflow, each delivered as an extension event with its parameters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workflow_actions: Vec<WorkflowAction>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// 1.x `contributes.commands[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct CommandContribution {
    /// The command's name, e.g. `pager.testPage`.
    pub command: String,
    /// Title shown in the UI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The event it is delivered as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler: Option<EventHandlerRef>,
    /// Other keys (`category`, `icon`, `keywords`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CommandContribution {
    /// The event the command is delivered as: its handler's, else its own name.
    ///
    /// ```
    /// let command = kiket_sdk::manifest::CommandContribution { command: "pager.testPage".into(), ..Default::default() };
    /// assert_eq!(command.event(), "pager.testPage");
    /// ```
    pub fn event(&self) -> &str {
        self.handler.as_ref().and_then(|h| h.event.as_deref()).unwrap_or(&self.command)
    }
}

/// `handler: {type: extension_event, event}` of a command or workflow action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct EventHandlerRef {
    /// `extension_event`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The event delivered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// 1.x `contributes.workflow_actions[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct WorkflowAction {
    /// Identifier, e.g. `page_oncall`.
    pub id: String,
    /// Name shown in the UI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The event it is delivered as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler: Option<EventHandlerRef>,
    /// The values a user fills in; delivered at the payload's top level, keyed by `key`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    /// Other keys (`icon`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl WorkflowAction {
    /// The event the action is delivered as (its handler's), when it names one.
    ///
    /// ```
    /// let action = kiket_sdk::manifest::WorkflowAction { id: "page_oncall".into(), ..Default::default() };
    /// assert_eq!(action.event(), None);
    /// ```
    pub fn event(&self) -> Option<&str> {
        self.handler.as_ref()?.event.as_deref()
    }
}

/// One parameter of a workflow action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Parameter {
    /// The key its value arrives under.
    pub key: String,
    /// `string`, `integer`, `boolean`, …
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Whether a value is always delivered.
    pub required: bool,
    /// Other keys (`placeholder`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `configuration`: the 1.x map from setting key to its declaration, or the older
/// `configuration.properties`. Both land in `properties` when the manifest is parsed (a 1.x
/// entry is any key whose value is a mapping; `properties` itself is the older shape).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Configuration {
    /// Settings by key.
    pub properties: BTreeMap<String, Property>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One configuration property.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Property {
    /// Default value (may reference a variable: `env.NAME`, `env:NAME`, `${NAME}`). 1.x
    /// manifests write every default as a string; [`typed_default`](Self::typed_default)
    /// reads it as the declared `type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Whether the value is a secret (overlaid by `KIKET_SECRET_<NAME>`, never printed).
    pub secret: bool,
    /// Whether a value is needed; per-organisation values arrive with each delivery, so an
    /// unset required setting is a warning at start-up, not an error.
    pub required: bool,
    /// Value type as declared (`string`, `integer`, `number`, `boolean`, `template`, …).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// 1.x: `extension` or `project`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// 1.x: label shown in the UI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Property {
    /// `value` read as this property's declared type: `integer` → a JSON integer (`"587"` is
    /// 587), `number`/`decimal`/`float` → a number, `boolean` → `true`/`false`, anything else
    /// (`string`, `template`, …) as it is. `Err` says what is wrong (never the value of a
    /// secret).
    ///
    /// ```
    /// use kiket_sdk::manifest::Property;
    /// use serde_json::json;
    /// let port = Property { kind: Some("integer".into()), ..Property::default() };
    /// assert_eq!(port.typed(json!("587")), Ok(json!(587)));
    /// assert!(port.typed(json!("five")).is_err());
    /// let dry_run = Property { kind: Some("boolean".into()), ..Property::default() };
    /// assert_eq!(dry_run.typed(json!("false")), Ok(json!(false)));
    /// ```
    pub fn typed(&self, value: Value) -> Result<Value, String> {
        self.setting_type().read(value, self.secret)
    }

    /// The declared `type`, as the SDK reads values of it.
    pub(crate) fn setting_type(&self) -> SettingType {
        match self.kind.as_deref() {
            Some("integer" | "int" | "bigint") => SettingType::Integer,
            Some("number" | "decimal" | "float") => SettingType::Number,
            Some("boolean" | "bool") => SettingType::Boolean,
            _ => SettingType::Text,
        }
    }

    /// The default read as the declared type (see [`typed`](Self::typed)); `Ok(None)` when
    /// there is none, and a default that references a variable is returned unresolved.
    ///
    /// ```
    /// use kiket_sdk::manifest::Property;
    /// let port = Property { kind: Some("integer".into()), default: Some("587".into()), ..Property::default() };
    /// assert_eq!(port.typed_default(), Ok(Some(serde_json::json!(587))));
    /// ```
    pub fn typed_default(&self) -> Result<Option<Value>, String> {
        match &self.default {
            Some(Value::String(text)) if !referenced_variables(text).is_empty() => Ok(self.default.clone()),
            Some(value) => self.typed(value.clone()).map(Some),
            None => Ok(None),
        }
    }
}

/// How a setting's declared `type` reads a value: the one list of type names the SDK knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SettingType {
    /// `integer`, `int`, `bigint`: a JSON integer.
    Integer,
    /// `number`, `decimal`, `float`: a JSON number.
    Number,
    /// `boolean`, `bool`: `true` or `false`.
    Boolean,
    /// `string`, `template` and every other type: the value as it is.
    Text,
}

impl SettingType {
    /// What an error calls it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Text => "value",
        }
    }

    /// `value` as this type: text is parsed, any other JSON value is kept. `Err` says what is
    /// wrong, quoting the text unless it is `secret`.
    pub(crate) fn read(self, value: Value, secret: bool) -> Result<Value, String> {
        let text = match &value {
            Value::String(text) => text.trim(),
            _ => return Ok(value),
        };
        let wrong = |what: &str| {
            if secret {
                format!("the value is not {what}")
            } else {
                format!("`{}` is not {what}", text.escape_debug())
            }
        };
        match self {
            Self::Integer => text.parse::<i64>().map(Value::from).map_err(|_| wrong("an integer")),
            Self::Number => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| wrong("a number")),
            Self::Boolean => match text.to_ascii_lowercase().as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(wrong("a boolean (true or false)")),
            },
            Self::Text => Ok(value),
        }
    }
}

impl std::fmt::Debug for Property {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let default: &dyn std::fmt::Debug = if self.secret { &"[redacted]" } else { &self.default };
        f.debug_struct("Property")
            .field("default", default)
            .field("secret", &self.secret)
            .field("required", &self.required)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// `custom_data`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct CustomDataSpec {
    /// Modules and the operations allowed on them.
    pub permissions: Vec<Permission>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One custom-data permission.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Permission {
    /// Module, e.g. `com.example.crm.contacts`.
    pub module: String,
    /// Operations (`read`, `write`, `delete`, …).
    pub operations: Vec<String>,
}

/// `scopes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Scopes {
    /// Read scopes.
    pub read: Vec<String>,
    /// Write scopes.
    pub write: Vec<String>,
}

/// An action offered in the UI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Action {
    /// Action key.
    pub key: String,
    /// Label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Inputs (free-form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Value>,
}

/// The keys the model reads (flat, or under `extension:`; `model_version` beside it): an
/// unknown key one or two edits from one of them is most likely a typo (`configuraton`).
pub const KNOWN_KEYS: &[&str] = &[
    "model_version",
    "id",
    "version",
    "name",
    "vendor",
    "description",
    "sdk",
    "api_version",
    "author",
    "homepage",
    "delivery",
    "callback",
    "configuration",
    "custom_data",
    "scopes",
    "events",
    "activationEvents",
    "permissions",
    "capabilities",
    "hooks",
    "contributes",
    "actions",
    "output_fields",
];

impl Manifest {
    /// Every event the manifest declares, sorted, each once: `events`, `activationEvents`,
    /// `hooks[].event`, and the events of `contributes.commands` and
    /// `contributes.workflow_actions` (a command without a handler is delivered under its own
    /// name). What the platform may deliver to the extension, so what its router should handle.
    ///
    /// ```
    /// let manifest = kiket_sdk::manifest::parse("events: [issue.created, crm.sync, issue.created]\n", "m.yaml".as_ref())?;
    /// assert_eq!(manifest.declared_events(), ["crm.sync", "issue.created"]);
    /// # Ok::<(), kiket_sdk::manifest::ManifestError>(())
    /// ```
    pub fn declared_events(&self) -> Vec<String> {
        let mut events: Vec<String> = self.events.iter().chain(&self.activation_events).cloned().collect();
        events.extend(self.hooks.iter().map(|hook| hook.event.clone()));
        if let Some(contributes) = &self.contributes {
            events.extend(contributes.commands.iter().map(|command| command.event().to_owned()));
            events.extend(contributes.workflow_actions.iter().filter_map(|action| action.event().map(str::to_owned)));
        }
        events.retain(|event| !event.trim().is_empty());
        events.sort();
        events.dedup();
        events
    }

    /// The hook of `event` (its platform deadline and retries), when the manifest has one.
    ///
    /// ```
    /// let text = "model_version: \"1.0\"\nextension:\n  hooks:\n    - {event: case.created, timeout: 2000, retries: 1}\n";
    /// let manifest = kiket_sdk::manifest::parse(text, "m.yaml".as_ref())?;
    /// assert_eq!(manifest.hook("case.created").and_then(|h| h.timeout), Some(2000));
    /// assert!(manifest.hook("case.assigned").is_none());
    /// # Ok::<(), kiket_sdk::manifest::ManifestError>(())
    /// ```
    pub fn hook(&self, event: &str) -> Option<&Hook> {
        self.hooks.iter().find(|hook| hook.event == event)
    }

    /// What looks wrong in the manifest without making it unusable (unknown keys are kept as
    /// data and never an error): keys one or two edits from a known one, and declared events
    /// one or two edits from a catalogued one. Each entry says what was found and what was
    /// probably meant; the SDK logs them as warnings at start-up and `kiket manifest check`
    /// prints them.
    ///
    /// ```
    /// let manifest = kiket_sdk::manifest::parse("id: x\nconfiguraton: {}\nevents: [issue.creatd]\n", "m.yaml".as_ref())?;
    /// assert_eq!(manifest.problems(), [
    ///     "unknown key `configuraton`: did you mean `configuration`?",
    ///     "event `issue.creatd` is not catalogued: did you mean `issue.created`?",
    /// ]);
    /// # Ok::<(), kiket_sdk::manifest::ManifestError>(())
    /// ```
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for key in self.extra.keys() {
            let near = KNOWN_KEYS.iter().map(|known| (strsim::levenshtein(key, known), *known)).min();
            if let Some((1..=2, known)) = near {
                problems.push(format!("unknown key `{}`: did you mean `{known}`?", key.escape_debug()));
            }
        }
        for event in self.declared_events() {
            if let Some(near) = kiket_types::catalog::nearest_event(&event, 2) {
                problems.push(format!("event `{}` is not catalogued: did you mean `{near}`?", event.escape_debug()));
            }
        }
        problems
    }

    /// The webhook secret: `delivery.callback.secret`, else (1.x) `callback.secret`, with its
    /// references resolved through `var`. A plain `delivery: http` is a delivery type, never a
    /// secret. A reference to an unset variable is [`ManifestError::UnsetVariable`], naming the
    /// variable and the line (never the literal text: a literal is the secret).
    ///
    /// ```
    /// let text = "extension:\n  delivery: http\n  callback:\n    secret: env.PAGER_WEBHOOK_SECRET\n";
    /// let manifest = kiket_sdk::manifest::parse(text, "manifest.yaml".as_ref())?;
    /// let set = |name: &str| (name == "PAGER_WEBHOOK_SECRET").then(|| "whsec_1".to_owned());
    /// assert_eq!(manifest.webhook_secret(&set)?.as_deref(), Some("whsec_1"));
    /// let error = manifest.webhook_secret(&|_| None).unwrap_err();
    /// assert!(error.to_string().contains("PAGER_WEBHOOK_SECRET"));
    /// # Ok::<(), kiket_sdk::manifest::ManifestError>(())
    /// ```
    pub fn webhook_secret(&self, var: &dyn Fn(&str) -> Option<String>) -> Result<Option<String>, ManifestError> {
        let nested = match &self.delivery {
            Some(Delivery::Config(config)) => config.callback.as_ref().and_then(|c| c.secret.as_deref()),
            _ => None,
        };
        let (field, raw) = match (nested, self.callback.as_ref().and_then(|c| c.secret.as_deref())) {
            (Some(raw), _) => ("delivery.callback.secret", raw),
            (None, Some(raw)) => ("callback.secret", raw),
            (None, None) => return Ok(None),
        };
        match resolve_references(raw, var) {
            Ok(secret) => Ok(Some(secret).filter(|s| !s.trim().is_empty())),
            Err(variable) => Err(self.unset_variable(field, raw, variable)),
        }
    }

    /// [`ManifestError::UnsetVariable`] for `field`, whose value `raw` references `variable`.
    pub(crate) fn unset_variable(&self, field: &str, raw: &str, variable: String) -> ManifestError {
        let path = self.source.clone().unwrap_or_else(|| "the manifest".into());
        let line = self.source.as_ref().and_then(|p| std::fs::read_to_string(p).ok()).and_then(|t| line_of(&t, raw));
        ManifestError::UnsetVariable { path, line, field: field.to_owned(), variable }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key of [`KNOWN_KEYS`] is read by the model (none lands in `extra`), and every key
    /// the model writes is in the list: the two cannot drift apart.
    #[test]
    fn the_known_keys_are_the_models_keys() {
        for key in KNOWN_KEYS {
            // An unknown key takes any value into `extra`; a known one is typed (a string fits
            // some, others refuse it).
            if let Ok(manifest) = serde_json::from_value::<Manifest>(serde_json::json!({ *key: "probe" })) {
                assert!(manifest.extra.is_empty(), "`{key}` is not read by the model");
            }
        }
        let unknown: Manifest = serde_json::from_value(serde_json::json!({ "probe": "x" })).unwrap();
        assert!(unknown.extra.contains_key("probe"), "the probe tells known keys from unknown ones");
        let full = Manifest {
            model_version: Some("1.0".into()),
            sdk: Some("rust".into()),
            api_version: Some("v1".into()),
            author: Some("a".into()),
            homepage: Some("h".into()),
            callback: Some(Callback::default()),
            activation_events: vec!["e".into()],
            permissions: vec!["p".into()],
            capabilities: vec![Value::Null],
            hooks: vec![Hook::default()],
            contributes: Some(Contributes::default()),
            id: Some("i".into()),
            version: Some("v".into()),
            name: Some("n".into()),
            vendor: Some("v".into()),
            description: Some("d".into()),
            delivery: Some(Delivery::Type("http".into())),
            configuration: Some(Configuration::default()),
            custom_data: Some(CustomDataSpec::default()),
            scopes: Some(Scopes::default()),
            events: vec!["e".into()],
            actions: vec![Action::default()],
            output_fields: Some(Value::Null),
            ..Manifest::default()
        };
        let written = serde_json::to_value(&full).unwrap();
        let keys: Vec<&str> = written.as_object().unwrap().keys().map(String::as_str).collect();
        for key in keys {
            assert!(KNOWN_KEYS.contains(&key), "`{key}` is written by the model but not in KNOWN_KEYS");
        }
    }
}
