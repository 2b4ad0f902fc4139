//! Host-side validation of path, query, header and cookie parameters against the schemas an
//! operation declares. Values are coerced from strings as FastAPI (pydantic) does, and failures
//! answer 422 in FastAPI's shape without calling the guest:
//! `{"detail":[{"type":"int_parsing","loc":["path","item_id"],"msg":"…","input":"abc"}]}`.

use hyper::HeaderMap;
use regex::Regex;
use serde::Serialize;
use serde_json::{Map, Number, Value, json};
use std::borrow::Cow;
use std::cmp::Ordering;

/// Where a parameter is read from, in the order FastAPI lists their errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// A `{name}` path segment.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie in the `Cookie` header.
    Cookie,
}

impl Location {
    /// The first element of an error's `loc`, and OpenAPI's `in`.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }
}

/// A declared parameter, checked at load.
#[derive(Debug, Clone)]
// Kept whole from the declaration: the OpenAPI document reads what requests do not.
#[allow(dead_code)]
pub struct ParamRule {
    /// The name the guest reads it by.
    pub name: String,
    /// The name in the request (lowercase for headers).
    pub wire: String,
    /// Where it is read from.
    pub location: Location,
    /// Whether a missing value is a 422.
    pub required: bool,
    /// The value passed when it is absent.
    pub default: Option<Value>,
    /// The checked schema values are coerced against.
    pub schema: ValueSchema,
    /// The declared schema, as the guest wrote it (for OpenAPI and `routes`).
    pub schema_json: Value,
    /// Human description, for documentation.
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
enum Kind {
    Integer,
    Number,
    Boolean,
    String,
    Array(Box<ValueSchema>),
    Any,
}

/// The part of JSON Schema that parameters use: a type, bounds, lengths, a pattern, an enum.
#[derive(Debug, Clone)]
pub struct ValueSchema {
    kind: Kind,
    minimum: Option<Number>,
    exclusive_minimum: Option<Number>,
    maximum: Option<Number>,
    exclusive_maximum: Option<Number>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<(String, Regex)>,
    choices: Option<Vec<Value>>,
    /// The choices are a `Literal`'s: compared with the raw string, `literal_error` otherwise.
    literal: bool,
    min_items: Option<u64>,
    max_items: Option<u64>,
    /// A string `format` the host checks (`uuid`); other formats only document.
    uuid: bool,
}

/// The key by which the Python SDK marks an `enum` as a `Literal`'s values; the OpenAPI
/// document leaves it out.
pub const LITERAL_MARKER: &str = "x-fastwasm-literal";

/// The key by which an SDK marks a parameter it validates itself (the Python SDK's dates,
/// durations and decimals, parsed as pydantic parses them): the host hands over its text, or
/// a list's texts, and checks only that a required one is there. The document leaves it out.
pub const GUEST_CHECKED_MARKER: &str = "x-fastwasm-guest-checked";

impl ValueSchema {
    /// Reads a declared schema; an unsupported or malformed one is a load error. Annotations
    /// (`title`, `description`, `examples`, `deprecated`, `default`) do not constrain values and
    /// are left to the OpenAPI document.
    pub fn from_json(schema: &Value) -> Result<Self, String> {
        let object = schema
            .as_object()
            .ok_or_else(|| format!("schema must be a JSON object, got {schema}"))?;
        if object.get(GUEST_CHECKED_MARKER) == Some(&Value::Bool(true)) {
            let many = object.get("type").is_some_and(|t| t == "array");
            return Ok(match many {
                true => Self::with_kind(Kind::Array(Box::new(Self::any()))),
                false => Self::any(),
            });
        }
        if let Some(members) = object.get("anyOf") {
            return Self::from_nullable(object, members);
        }
        let declared_type = match object.get("type") {
            None => None,
            Some(Value::String(name)) => Some(name.as_str()),
            Some(other) => return Err(format!("`type` must be a string, got {other}")),
        };
        let kind = match declared_type {
            Some("integer") => Kind::Integer,
            Some("number") => Kind::Number,
            Some("boolean") => Kind::Boolean,
            Some("string") => Kind::String,
            Some("array") => {
                let items = object.get("items").unwrap_or(&Value::Null);
                let items = if items.is_null() {
                    Self::any()
                } else {
                    Self::from_json(items)?
                };
                Kind::Array(Box::new(items))
            }
            None => Kind::Any,
            Some(other) => return Err(format!("unsupported parameter type `{other}`")),
        };
        let number = |key: &str| -> Result<Option<Number>, String> {
            match object.get(key) {
                None => Ok(None),
                Some(Value::Number(n)) => Ok(Some(n.clone())),
                Some(other) => Err(format!("`{key}` must be a number, got {other}")),
            }
        };
        let length = |key: &str| -> Result<Option<u64>, String> {
            match object.get(key) {
                None => Ok(None),
                Some(value) => value
                    .as_u64()
                    .map(Some)
                    .ok_or_else(|| format!("`{key}` must be a non-negative integer")),
            }
        };
        let pattern = match object.get("pattern") {
            None => None,
            Some(Value::String(pattern)) => Some((
                pattern.clone(),
                Regex::new(pattern).map_err(|err| format!("invalid pattern `{pattern}`: {err}"))?,
            )),
            Some(other) => return Err(format!("`pattern` must be a string, got {other}")),
        };
        let choices = match object.get("enum") {
            None => None,
            Some(Value::Array(values)) if !values.is_empty() => Some(values.clone()),
            Some(other) => return Err(format!("`enum` must be a non-empty array, got {other}")),
        };
        let uuid = matches!(kind, Kind::String) && object.get("format") == Some(&json!("uuid"));
        Ok(Self {
            kind,
            minimum: number("minimum")?,
            exclusive_minimum: number("exclusiveMinimum")?,
            maximum: number("maximum")?,
            exclusive_maximum: number("exclusiveMaximum")?,
            min_length: length("minLength")?,
            max_length: length("maxLength")?,
            pattern,
            choices,
            literal: object.get(LITERAL_MARKER) == Some(&Value::Bool(true)),
            min_items: length("minItems")?,
            max_items: length("maxItems")?,
            uuid,
        })
    }

    /// `X | None` as pydantic writes it: `{"anyOf": [X, {"type": "null"}], "title": …}`, with
    /// X's constraints inside X. A parameter read from a request is never JSON null (an absent
    /// one takes its default), so it is validated as X, and fails with X's errors, untagged, as
    /// pydantic's do. Any other union, and constraints beside `anyOf`, which X would not
    /// enforce, are load errors.
    fn from_nullable(object: &Map<String, Value>, members: &Value) -> Result<Self, String> {
        let unsupported =
            || format!("`anyOf` must be `[<schema>, {{\"type\": \"null\"}}]`, got {members}");
        let members = members.as_array().ok_or_else(unsupported)?;
        let is_null = |member: &&Value| member.get("type").is_some_and(|t| t == "null");
        let (nulls, values): (Vec<&Value>, Vec<&Value>) = members.iter().partition(is_null);
        let (1, [value]) = (nulls.len(), values.as_slice()) else {
            return Err(unsupported());
        };
        if let Some(key) = object
            .keys()
            .find(|key| VALIDATION_KEYWORDS.contains(&key.as_str()))
        {
            return Err(format!(
                "`{key}` beside `anyOf`: constraints belong inside its non-null member"
            ));
        }
        Self::from_json(value)
    }

    fn any() -> Self {
        Self::with_kind(Kind::Any)
    }

    /// A schema of `kind` without constraints.
    fn with_kind(kind: Kind) -> Self {
        Self {
            kind,
            minimum: None,
            exclusive_minimum: None,
            maximum: None,
            exclusive_maximum: None,
            min_length: None,
            max_length: None,
            pattern: None,
            choices: None,
            literal: false,
            min_items: None,
            max_items: None,
            uuid: false,
        }
    }

    /// Whether values come as several (`?tag=a&tag=b`).
    pub fn is_array(&self) -> bool {
        matches!(self.kind, Kind::Array(_))
    }

    /// Coerces one raw string to a JSON value of this schema.
    fn coerce(&self, raw: &str) -> Result<Value, Failure> {
        if self.literal {
            return self.literal_choice(raw);
        }
        let value = match &self.kind {
            Kind::Integer => parse_integer(raw).ok_or_else(|| {
                Failure::new(
                    "int_parsing",
                    "Input should be a valid integer, unable to parse string as an integer",
                )
            })?,
            Kind::Number => raw
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .and_then(Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| {
                    Failure::new(
                        "float_parsing",
                        "Input should be a valid number, unable to parse string as a number",
                    )
                })?,
            Kind::Boolean => parse_bool(raw).map(Value::Bool).ok_or_else(|| {
                Failure::new(
                    "bool_parsing",
                    "Input should be a valid boolean, unable to interpret input",
                )
            })?,
            Kind::String if self.uuid => {
                check_uuid(raw).map_err(|error| {
                    Failure::new(
                        "uuid_parsing",
                        &format!("Input should be a valid UUID, {error}"),
                    )
                    .ctx(json!({ "error": error }))
                })?;
                Value::String(raw.to_owned())
            }
            Kind::String | Kind::Any | Kind::Array(_) => Value::String(raw.to_owned()),
        };
        self.check(&value, raw)?;
        Ok(value)
    }

    /// pydantic's `Literal` check of a request's string: equal to one of the string values (an
    /// integer value never equals a string, so it never matches, as under FastAPI).
    fn literal_choice(&self, raw: &str) -> Result<Value, Failure> {
        let choices = self.choices.as_deref().unwrap_or_default();
        if choices.iter().any(|choice| choice.as_str() == Some(raw)) {
            return Ok(Value::String(raw.to_owned()));
        }
        let expected = quote_choices(choices);
        Err(
            Failure::new("literal_error", &format!("Input should be {expected}"))
                .ctx(json!({ "expected": expected })),
        )
    }

    /// pydantic's list lengths: `too_long` for an input longer than allowed, before its items
    /// are validated (their errors are then not reported); `too_short` once they all are valid.
    fn check_items(&self, count: usize, items_done: bool) -> Result<(), Failure> {
        let count = count as u64;
        let items = |n: u64| format!("item{}", plural(n));
        if let Some(min) = self.min_items.filter(|min| items_done && count < *min) {
            let msg = format!(
                "List should have at least {min} {} after validation, not {count}",
                items(min)
            );
            return Err(Failure::new("too_short", &msg)
                .ctx(json!({ "field_type": "List", "min_length": min, "actual_length": count })));
        }
        if let Some(max) = self.max_items.filter(|max| count > *max) {
            let msg = format!(
                "List should have at most {max} {} after validation, not {count}",
                items(max)
            );
            return Err(Failure::new("too_long", &msg)
                .ctx(json!({ "field_type": "List", "max_length": max, "actual_length": count })));
        }
        Ok(())
    }

    /// A bound as pydantic states it in an error's `ctx`: as a float for a float parameter
    /// (`{"gt": 0.0}`), whichever way the schema writes it (pydantic's schema keeps `0`).
    fn stated_bound(&self, bound: &Number) -> Number {
        match (&self.kind, bound.as_f64().and_then(Number::from_f64)) {
            (Kind::Number, Some(float)) => float,
            _ => bound.clone(),
        }
    }

    fn check(&self, value: &Value, raw: &str) -> Result<(), Failure> {
        if let Some(choices) = &self.choices
            && !choices
                .iter()
                .any(|choice| choice_matches(choice, value, raw))
        {
            let expected = quote_choices(choices);
            return Err(Failure::new("enum", &format!("Input should be {expected}"))
                .ctx(json!({ "expected": expected })));
        }
        if let Value::Number(n) = value {
            let bounds = [
                (&self.exclusive_minimum, &GREATER_THAN),
                (&self.minimum, &GREATER_THAN_EQUAL),
                (&self.exclusive_maximum, &LESS_THAN),
                (&self.maximum, &LESS_THAN_EQUAL),
            ];
            for (bound, check) in bounds {
                if let Some(bound) = bound
                    && !compare(n, bound).is_some_and(check.holds)
                {
                    let msg = format!("Input should be {} {}", check.words, bound_text(bound));
                    let bound = self.stated_bound(bound);
                    return Err(Failure::new(check.kind, &msg).ctx(json!({ check.key: bound })));
                }
            }
        }
        if let Value::String(s) = value {
            let length = s.chars().count() as u64;
            if let Some(min) = self.min_length.filter(|min| length < *min) {
                let msg = format!("String should have at least {min} character{}", plural(min));
                return Err(
                    Failure::new("string_too_short", &msg).ctx(json!({ "min_length": min }))
                );
            }
            if let Some(max) = self.max_length.filter(|max| length > *max) {
                let msg = format!("String should have at most {max} character{}", plural(max));
                return Err(Failure::new("string_too_long", &msg).ctx(json!({ "max_length": max })));
            }
            if let Some((source, regex)) = &self.pattern
                && !regex.is_match(s)
            {
                let msg = format!("String should match pattern '{source}'");
                return Err(
                    Failure::new("string_pattern_mismatch", &msg).ctx(json!({ "pattern": source }))
                );
            }
        }
        Ok(())
    }
}

/// The keywords `ValueSchema` enforces.
const VALIDATION_KEYWORDS: [&str; 13] = [
    "type",
    "items",
    "minItems",
    "maxItems",
    LITERAL_MARKER,
    "enum",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
];

/// A numeric bound as pydantic reports it: error type, `ctx` key and wording.
struct BoundCheck {
    holds: fn(Ordering) -> bool,
    kind: &'static str,
    key: &'static str,
    words: &'static str,
}

const GREATER_THAN: BoundCheck = BoundCheck {
    holds: Ordering::is_gt,
    kind: "greater_than",
    key: "gt",
    words: "greater than",
};
const GREATER_THAN_EQUAL: BoundCheck = BoundCheck {
    holds: Ordering::is_ge,
    kind: "greater_than_equal",
    key: "ge",
    words: "greater than or equal to",
};
const LESS_THAN: BoundCheck = BoundCheck {
    holds: Ordering::is_lt,
    kind: "less_than",
    key: "lt",
    words: "less than",
};
const LESS_THAN_EQUAL: BoundCheck = BoundCheck {
    holds: Ordering::is_le,
    kind: "less_than_equal",
    key: "le",
    words: "less than or equal to",
};

/// A bound as pydantic writes it in a message: floats in Rust's shortest form, so a bound of
/// `0.0` reads "0" (its `ctx` keeps `0.0`).
fn bound_text(bound: &Number) -> String {
    match bound.as_f64() {
        Some(float) if bound.is_f64() => float.to_string(),
        _ => bound.to_string(),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Integers compare exactly (u64 bounds exceed f64 precision); anything else as f64.
fn compare(value: &Number, bound: &Number) -> Option<Ordering> {
    let as_int = |n: &Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    match (as_int(value), as_int(bound)) {
        (Some(v), Some(b)) => Some(v.cmp(&b)),
        _ => value.as_f64()?.partial_cmp(&bound.as_f64()?),
    }
}

fn parse_integer(raw: &str) -> Option<Value> {
    let raw = raw.trim();
    let digits = raw.strip_prefix('+').unwrap_or(raw);
    if let Ok(n) = digits.parse::<i64>() {
        return Some(Value::from(n));
    }
    digits.parse::<u64>().ok().map(Value::from)
}

/// pydantic's UUID parsing (the `uuid` crate's): 32 hex digits, or five hyphenated groups of
/// 8-4-4-4-12, bare, in braces or after `urn:uuid:`, in any case. A failure is the crate's
/// diagnosis, which pydantic's message ends with.
fn check_uuid(raw: &str) -> Result<(), String> {
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    let hyphenated = |s: &str| {
        s.len() == 36
            && s.bytes()
                .enumerate()
                .all(|(i, b)| matches!(i, 8 | 13 | 18 | 23) == (b == b'-'))
            && hex(&s.replace('-', ""))
    };
    let braced = raw
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'));
    let urn = raw.strip_prefix("urn:uuid:");
    if (raw.len() == 32 && hex(raw))
        || hyphenated(raw)
        || braced.is_some_and(hyphenated)
        || urn.is_some_and(hyphenated)
    {
        return Ok(());
    }
    let (body, offset, simple) = match (braced, urn) {
        (Some(body), _) => (body, 1, false),
        (None, Some(body)) => (body, "urn:uuid:".len(), false),
        (None, None) => (raw, 0, true),
    };
    let mut hyphens = Vec::new();
    for (index, character) in body.char_indices() {
        if character == '-' {
            hyphens.push(index);
        } else if !character.is_ascii_hexdigit() {
            return Err(format!(
                "invalid character: found `{character}` at {}",
                index + offset
            ));
        }
    }
    if hyphens.is_empty() && simple {
        return Err(format!("invalid length: found {}", body.len()));
    }
    if hyphens.len() != 4 {
        return Err(format!(
            "invalid group count: expected 5, found {}",
            hyphens.len() + 1
        ));
    }
    const STARTS: [usize; 5] = [0, 9, 14, 19, 24];
    const LENGTHS: [usize; 5] = [8, 4, 4, 4, 12];
    let group = (0..4)
        .find(|&group| hyphens[group] != STARTS[group + 1] - 1)
        .unwrap_or(4);
    let end = hyphens.get(group).copied().unwrap_or(body.len());
    Err(format!(
        "invalid group length in group {group}: expected {}, found {}",
        LENGTHS[group],
        end.saturating_sub(STARTS[group])
    ))
}

/// pydantic's lax booleans.
fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "on" | "t" | "true" | "y" | "yes" => Some(true),
        "0" | "off" | "f" | "false" | "n" | "no" => Some(false),
        _ => None,
    }
}

fn choice_matches(choice: &Value, value: &Value, raw: &str) -> bool {
    match choice {
        Value::String(s) => s == raw,
        other => other == value,
    }
}

/// `'a', 'b' or 'c'`, as pydantic lists enum members.
fn quote_choices(choices: &[Value]) -> String {
    let quoted: Vec<String> = choices
        .iter()
        .map(|choice| match choice {
            Value::String(s) => format!("'{s}'"),
            other => other.to_string(),
        })
        .collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

struct Failure {
    kind: &'static str,
    msg: String,
    ctx: Option<Value>,
}

impl Failure {
    fn new(kind: &'static str, msg: &str) -> Self {
        Self {
            kind,
            msg: msg.to_owned(),
            ctx: None,
        }
    }

    fn ctx(mut self, ctx: Value) -> Self {
        self.ctx = Some(ctx);
        self
    }
}

/// One entry of a 422's `detail` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationError {
    /// The error type, e.g. `int_parsing`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Where: location, then name (and list index).
    pub loc: Vec<Value>,
    /// The message FastAPI gives.
    pub msg: String,
    /// The offending value, `null` when missing.
    pub input: Value,
    /// Constraint values, e.g. `{"ge": 1}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctx: Option<Value>,
}

/// The parts of a request parameters are read from.
#[derive(Debug)]
pub struct RequestParts<'a> {
    /// Matched path parameters by name.
    pub path_params: &'a [(&'a str, String)],
    /// The raw query string.
    pub query: &'a str,
    /// The request headers.
    pub headers: &'a HeaderMap,
}

/// What validating the parameters of one request gave.
#[derive(Debug, Default, PartialEq)]
pub struct Validated {
    /// Each present (or defaulted) parameter that passed, as (name, JSON text) for the guest.
    pub values: Vec<(String, String)>,
    /// Each parameter that failed, by name, with its errors, in the order of the rules.
    pub invalid: Vec<(String, Vec<ValidationError>)>,
}

impl Validated {
    /// Whether every parameter passed.
    pub fn is_valid(&self) -> bool {
        self.invalid.is_empty()
    }

    /// The errors of parameter `name`, if it failed.
    pub fn errors_of(&self, name: &str) -> Option<&[ValidationError]> {
        self.invalid
            .iter()
            .find(|(failed, _)| failed == name)
            .map(|(_, errors)| errors.as_slice())
    }

    /// The values when every parameter passed, or every error, in the order of the rules.
    pub fn into_result(self) -> Result<Vec<(String, String)>, Vec<ValidationError>> {
        if self.invalid.is_empty() {
            Ok(self.values)
        } else {
            Err(self
                .invalid
                .into_iter()
                .flat_map(|(_, errors)| errors)
                .collect())
        }
    }
}

/// Validates every declared parameter, collecting all errors as FastAPI does (at most
/// [`MAX_ERRORS`] of them), each under the parameter it belongs to.
pub fn validate(rules: &[ParamRule], parts: &RequestParts<'_>) -> Validated {
    let query: Vec<(String, String)> = form_urlencoded::parse(parts.query.as_bytes())
        .into_owned()
        .collect();
    let cookies = cookies(parts.headers);
    let mut validated = Validated {
        values: Vec::with_capacity(rules.len()),
        invalid: Vec::new(),
    };
    // Errors so far, across parameters: the bound is on the whole answer.
    let mut counted = 0;
    for rule in rules {
        if counted >= MAX_ERRORS {
            break;
        }
        let mut errors = Vec::new();
        let coerced = check_rule(
            rule,
            parts,
            &query,
            &cookies,
            MAX_ERRORS - counted,
            &mut errors,
        );
        counted += errors.len();
        match coerced {
            Some(value) if errors.is_empty() => {
                validated
                    .values
                    .push((rule.name.clone(), value.to_string()));
            }
            _ if errors.is_empty() => {}
            _ => validated.invalid.push((rule.name.clone(), errors)),
        }
    }
    validated
}

/// Checks one parameter: its coerced value (or declared default), `None` when absent without
/// a default or when it failed, pushing at most `room` errors.
fn check_rule(
    rule: &ParamRule,
    parts: &RequestParts<'_>,
    query: &[(String, String)],
    cookies: &[(String, String)],
    room: usize,
    errors: &mut Vec<ValidationError>,
) -> Option<Value> {
    let raw: Vec<Cow<'_, str>> = match rule.location {
        Location::Path => parts
            .path_params
            .iter()
            .filter(|(name, _)| *name == rule.name)
            .map(|(_, value)| Cow::Borrowed(value.as_str()))
            .collect(),
        Location::Query => query
            .iter()
            .filter(|(key, _)| *key == rule.wire)
            .map(|(_, value)| Cow::Borrowed(value.as_str()))
            .collect(),
        Location::Header => parts
            .headers
            .get_all(rule.wire.as_str())
            .iter()
            .map(|value| latin1(value.as_bytes()))
            .collect(),
        Location::Cookie => cookies
            .iter()
            .filter(|(key, _)| *key == rule.wire)
            .map(|(_, value)| Cow::Borrowed(value.as_str()))
            .collect(),
    };
    let loc = || vec![json!(rule.location.as_str()), json!(rule.wire)];
    if raw.is_empty() {
        if rule.default.is_none() && rule.required {
            errors.push(ValidationError {
                kind: "missing".into(),
                loc: loc(),
                msg: "Field required".into(),
                input: Value::Null,
                ctx: None,
            });
        }
        return rule.default.clone();
    }
    match &rule.schema.kind {
        Kind::Array(items) => {
            // The list-length error, if any, before (`done == false`) or after the items.
            let lengths = |done| {
                rule.schema
                    .check_items(raw.len(), done)
                    .err()
                    .map(|failure| {
                        let input = raw.iter().map(|item| json!(item)).collect();
                        failure.into_error_with(loc(), Value::Array(input))
                    })
            };
            if let Some(error) = lengths(false) {
                errors.push(error);
                return None;
            }
            let mut list = Vec::with_capacity(raw.len());
            for (index, item) in raw.iter().enumerate() {
                if errors.len() >= room {
                    break;
                }
                match items.coerce(item) {
                    Ok(value) => list.push(value),
                    Err(failure) => {
                        let mut loc = loc();
                        loc.push(json!(index));
                        errors.push(failure.into_error(loc, item));
                    }
                }
            }
            if !errors.is_empty() {
                return None;
            }
            if let Some(error) = lengths(true) {
                errors.push(error);
                return None;
            }
            Some(Value::Array(list))
        }
        // A repeated scalar takes the last value, as Starlette's query params do.
        _ => match rule.schema.coerce(&raw[raw.len() - 1]) {
            Ok(value) => Some(value),
            Err(failure) => {
                errors.push(failure.into_error(loc(), &raw[raw.len() - 1]));
                None
            }
        },
    }
}

/// How many errors a 422 lists at most: enough for any form a person fills in, and a bound on
/// the answer to a query string that repeats one bad value a hundred thousand times.
pub const MAX_ERRORS: usize = 100;

/// A header value as text: HTTP header bytes are ISO-8859-1, as Starlette reads them, so no
/// value is unreadable (and none reads as missing).
fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.is_ascii() => Cow::Borrowed(text),
        _ => Cow::Owned(bytes.iter().map(|&byte| char::from(byte)).collect()),
    }
}

impl Failure {
    fn into_error(self, loc: Vec<Value>, input: &str) -> ValidationError {
        self.into_error_with(loc, Value::String(input.to_owned()))
    }

    fn into_error_with(self, loc: Vec<Value>, input: Value) -> ValidationError {
        ValidationError {
            kind: self.kind.into(),
            loc,
            msg: self.msg,
            input,
            ctx: self.ctx,
        }
    }
}

fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut cookies = Vec::new();
    for value in headers.get_all(hyper::header::COOKIE) {
        for pair in latin1(value.as_bytes()).split(';') {
            if let Some((key, value)) = pair.trim().split_once('=') {
                let value = value.trim().trim_matches('"');
                cookies.push((key.trim().to_owned(), value.to_owned()));
            }
        }
    }
    cookies
}

/// The body of a 422 response.
pub fn detail(errors: &[ValidationError]) -> Value {
    json!({ "detail": errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str, location: Location, required: bool, schema: Value) -> ParamRule {
        ParamRule {
            name: name.into(),
            wire: name.into(),
            location,
            required,
            default: schema.get("default").cloned(),
            schema: ValueSchema::from_json(&schema).unwrap(),
            schema_json: schema,
            description: None,
        }
    }

    fn run(
        rules: &[ParamRule],
        path: &[(&str, String)],
        query: &str,
    ) -> Result<Vec<(String, String)>, Value> {
        let headers = HeaderMap::new();
        let parts = RequestParts {
            path_params: path,
            query,
            headers: &headers,
        };
        validate(rules, &parts)
            .into_result()
            .map_err(|errors| detail(&errors))
    }

    #[test]
    fn coerces_valid_values_and_applies_defaults() {
        let rules = [
            rule(
                "item_id",
                Location::Path,
                true,
                json!({"type": "integer", "minimum": 0}),
            ),
            rule("q", Location::Query, false, json!({"type": "string"})),
            rule(
                "limit",
                Location::Query,
                false,
                json!({"type": "integer", "default": 10}),
            ),
            rule("flag", Location::Query, false, json!({"type": "boolean"})),
            rule(
                "tag",
                Location::Query,
                false,
                json!({"type": "array", "items": {"type": "string"}}),
            ),
        ];
        let values = run(
            &rules,
            &[("item_id", "42".into())],
            "q=a+b&flag=yes&tag=x&tag=y",
        )
        .unwrap();
        assert_eq!(
            values,
            vec![
                ("item_id".into(), "42".into()),
                ("q".into(), "\"a b\"".into()),
                ("limit".into(), "10".into()),
                ("flag".into(), "true".into()),
                ("tag".into(), "[\"x\",\"y\"]".into()),
            ]
        );
    }

    #[test]
    fn header_and_cookie_bytes_read_as_latin1() {
        let rules = [
            rule("x-name", Location::Header, true, json!({"type": "string"})),
            rule("session", Location::Cookie, true, json!({"type": "string"})),
        ];
        let mut headers = HeaderMap::new();
        let cafe = hyper::header::HeaderValue::from_bytes(b"caf\xe9").unwrap();
        headers.insert("x-name", cafe);
        let cookie = hyper::header::HeaderValue::from_bytes(b"session=\xff1").unwrap();
        headers.insert(hyper::header::COOKIE, cookie);
        let parts = RequestParts {
            path_params: &[],
            query: "",
            headers: &headers,
        };
        let values = validate(&rules, &parts).into_result().unwrap();
        assert_eq!(
            values,
            vec![
                ("x-name".into(), "\"café\"".into()),
                ("session".into(), "\"ÿ1\"".into()),
            ]
        );
    }

    #[test]
    fn a_hundred_thousand_bad_values_answer_a_bounded_422() {
        let rules = [rule(
            "n",
            Location::Query,
            true,
            json!({"type": "array", "items": {"type": "integer"}}),
        )];
        let query = "n=x&".repeat(100_000);
        let detail = run(&rules, &[], &query).unwrap_err();
        let errors = detail["detail"].as_array().unwrap();
        assert_eq!(errors.len(), MAX_ERRORS);
        assert_eq!(errors[99]["loc"], json!(["query", "n", 99]));
    }

    #[test]
    fn reports_every_error_in_fastapi_shape() {
        let rules = [
            rule("item_id", Location::Path, true, json!({"type": "integer"})),
            rule(
                "q",
                Location::Query,
                true,
                json!({"type": "string", "minLength": 3}),
            ),
            rule(
                "size",
                Location::Query,
                true,
                json!({"type": "integer", "maximum": 100}),
            ),
            rule("needed", Location::Query, true, json!({"type": "string"})),
        ];
        let detail = run(&rules, &[("item_id", "foo".into())], "q=ab&size=101").unwrap_err();
        assert_eq!(
            detail,
            json!({"detail": [
                {"type": "int_parsing", "loc": ["path", "item_id"],
                 "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "foo"},
                {"type": "string_too_short", "loc": ["query", "q"],
                 "msg": "String should have at least 3 characters", "input": "ab", "ctx": {"min_length": 3}},
                {"type": "less_than_equal", "loc": ["query", "size"],
                 "msg": "Input should be less than or equal to 100", "input": "101", "ctx": {"le": 100}},
                {"type": "missing", "loc": ["query", "needed"], "msg": "Field required", "input": null},
            ]})
        );
    }

    #[test]
    fn a_literal_answers_literal_error_and_never_matches_an_integer_value() {
        let mode = rule(
            "mode",
            Location::Query,
            true,
            json!({"enum": ["a", "b"], "type": "string", LITERAL_MARKER: true}),
        );
        assert_eq!(
            run(std::slice::from_ref(&mode), &[], "mode=b").unwrap(),
            [("mode".to_owned(), r#""b""#.to_owned())]
        );
        assert_eq!(
            run(&[mode], &[], "mode=c").unwrap_err(),
            json!({"detail": [{"type": "literal_error", "loc": ["query", "mode"],
                               "msg": "Input should be 'a' or 'b'", "input": "c",
                               "ctx": {"expected": "'a' or 'b'"}}]})
        );
        // pydantic compares the string "2" with the integer 2: never equal.
        let n = rule(
            "n",
            Location::Query,
            true,
            json!({"enum": [1, 2], "type": "integer", LITERAL_MARKER: true}),
        );
        assert_eq!(
            run(&[n], &[], "n=2").unwrap_err(),
            json!({"detail": [{"type": "literal_error", "loc": ["query", "n"],
                               "msg": "Input should be 1 or 2", "input": "2",
                               "ctx": {"expected": "1 or 2"}}]})
        );
        // Inside `X | None` too.
        let optional = rule(
            "m",
            Location::Query,
            false,
            json!({"anyOf": [{"enum": ["a"], "type": "string", LITERAL_MARKER: true},
                             {"type": "null"}]}),
        );
        let detail = run(&[optional], &[], "m=1").unwrap_err();
        assert_eq!(detail["detail"][0]["type"], "literal_error");
    }

    #[test]
    fn list_lengths_are_checked_as_pydantic_checks_them() {
        let tags = rule(
            "t",
            Location::Query,
            true,
            json!({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 3}),
        );
        let tags = std::slice::from_ref(&tags);
        assert_eq!(
            run(tags, &[], "t=1&t=2").unwrap(),
            [("t".to_owned(), "[1,2]".to_owned())]
        );
        assert_eq!(
            run(tags, &[], "t=1").unwrap_err(),
            json!({"detail": [{"type": "too_short", "loc": ["query", "t"],
                               "msg": "List should have at least 2 items after validation, not 1",
                               "input": ["1"],
                               "ctx": {"field_type": "List", "min_length": 2, "actual_length": 1}}]})
        );
        assert_eq!(
            run(tags, &[], "t=1&t=2&t=3&t=4").unwrap_err(),
            json!({"detail": [{"type": "too_long", "loc": ["query", "t"],
                               "msg": "List should have at most 3 items after validation, not 4",
                               "input": ["1", "2", "3", "4"],
                               "ctx": {"field_type": "List", "max_length": 3, "actual_length": 4}}]})
        );
        // Too many values: that is the only error, bad items or not, as in FastAPI.
        let detail = run(tags, &[], "t=x&t=1&t=2&t=3").unwrap_err();
        assert_eq!(detail["detail"].as_array().unwrap().len(), 1);
        assert_eq!(detail["detail"][0]["type"], "too_long");
        // Too few: a bad item is the only error.
        let detail = run(tags, &[], "t=x").unwrap_err();
        assert_eq!(detail["detail"].as_array().unwrap().len(), 1);
        assert_eq!(detail["detail"][0]["loc"], json!(["query", "t", 0]));
        let one = rule(
            "o",
            Location::Query,
            true,
            json!({"type": "array", "items": {}, "maxItems": 1}),
        );
        let detail = run(&[one], &[], "o=a&o=b").unwrap_err();
        assert_eq!(
            detail["detail"][0]["msg"],
            "List should have at most 1 item after validation, not 2"
        );
    }

    #[test]
    fn a_uuid_is_checked_and_diagnosed_as_pydantic_does() {
        let id = rule(
            "u",
            Location::Query,
            true,
            json!({"type": "string", "format": "uuid"}),
        );
        let id = std::slice::from_ref(&id);
        for valid in [
            "c9bf9e57-1685-4c89-bafb-ff5af830be8a",
            "C9BF9E5716854C89BAFBFF5AF830BE8A",
            "{c9bf9e57-1685-4c89-bafb-ff5af830be8a}",
            "urn:uuid:c9bf9e57-1685-4c89-bafb-ff5af830be8a",
        ] {
            assert!(run(id, &[], &format!("u={valid}")).is_ok(), "{valid}");
        }
        // What pydantic 2.14 says of each.
        let cases = [
            ("abc", "invalid length: found 3"),
            ("", "invalid length: found 0"),
            (
                "c9bf9e57-1685-4c89-bafb-ff5af830be8x",
                "invalid character: found `x` at 35",
            ),
            (
                "c9bf9e571685-4c89-bafb-ff5af830be8a",
                "invalid group count: expected 5, found 4",
            ),
            (
                "c9bf9e5716854c89bafbff5af830be8aa",
                "invalid length: found 33",
            ),
            (
                "c9bf9e57-1685-4c89-bafb-ff5af830be8a1",
                "invalid group length in group 4: expected 12, found 13",
            ),
            (
                "c9bf9e57-1685-4c89-bafbf-f5af830be8a",
                "invalid group length in group 3: expected 4, found 5",
            ),
            (
                "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
                "invalid character: found `z` at 0",
            ),
            (
                "c9bf9e57-1685-4c89-bafb-ff5af830be-a",
                "invalid group count: expected 5, found 6",
            ),
            (
                "%20c9bf9e57-1685-4c89-bafb-ff5af830be8a",
                "invalid character: found ` ` at 0",
            ),
        ];
        for (raw, error) in cases {
            let detail = run(id, &[], &format!("u={raw}")).unwrap_err();
            assert_eq!(
                detail["detail"][0],
                json!({"type": "uuid_parsing", "loc": ["query", "u"],
                       "msg": format!("Input should be a valid UUID, {error}"),
                       "input": raw.replace("%20", " "), "ctx": {"error": error}}),
                "{raw}"
            );
        }
    }

    #[test]
    fn checks_u64_bounds_exactly_enums_and_patterns() {
        let big = rule(
            "n",
            Location::Query,
            true,
            json!({"type": "integer", "minimum": 0, "maximum": u64::MAX}),
        );
        assert!(run(std::slice::from_ref(&big), &[], "n=18446744073709551615").is_ok());
        assert!(run(std::slice::from_ref(&big), &[], "n=-1").is_err());
        let color = rule(
            "c",
            Location::Query,
            true,
            json!({"type": "string", "enum": ["red", "green", "blue"]}),
        );
        let detail = run(&[color], &[], "c=pink").unwrap_err();
        assert_eq!(
            detail["detail"][0]["msg"],
            "Input should be 'red', 'green' or 'blue'"
        );
        let code = rule(
            "code",
            Location::Query,
            true,
            json!({"type": "string", "pattern": "^[a-z]+$"}),
        );
        let detail = run(&[code], &[], "code=AB").unwrap_err();
        assert_eq!(detail["detail"][0]["type"], "string_pattern_mismatch");
    }

    #[test]
    fn rejects_bad_schemas_at_load() {
        assert!(ValueSchema::from_json(&json!({"type": "object"})).is_err());
        assert!(ValueSchema::from_json(&json!({"type": "string", "pattern": "("})).is_err());
        assert!(ValueSchema::from_json(&json!("integer")).is_err());
        assert!(ValueSchema::from_json(&json!({"type": ["string", "null"]})).is_err());
    }

    #[test]
    fn a_nullable_schema_validates_as_its_non_null_member() {
        // pydantic's `Annotated[int | None, Query(ge=1)] = 5`.
        let n = rule(
            "n",
            Location::Query,
            false,
            json!({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
                   "default": 5, "title": "N"}),
        );
        let rules = std::slice::from_ref(&n);
        assert_eq!(
            run(rules, &[], "n=3").unwrap(),
            vec![("n".into(), "3".into())]
        );
        assert_eq!(run(rules, &[], "").unwrap(), vec![("n".into(), "5".into())]);
        assert_eq!(
            run(rules, &[], "n=0").unwrap_err(),
            json!({"detail": [{"type": "greater_than_equal", "loc": ["query", "n"],
                               "msg": "Input should be greater than or equal to 1",
                               "input": "0", "ctx": {"ge": 1}}]})
        );
        // A query value is text: `null` is no integer, as pydantic finds.
        assert_eq!(
            run(rules, &[], "n=null").unwrap_err()["detail"][0]["type"],
            "int_parsing"
        );
        let tags = rule(
            "tag",
            Location::Query,
            false,
            json!({"anyOf": [{"type": "null"}, {"type": "array", "items": {"type": "integer"}}]}),
        );
        assert!(tags.schema.is_array());
        assert_eq!(
            run(&[tags], &[], "tag=1&tag=2").unwrap(),
            vec![("tag".into(), "[1,2]".into())]
        );
    }

    #[test]
    fn titles_descriptions_examples_and_deprecation_do_not_validate() {
        let item_id = rule(
            "item_id",
            Location::Path,
            true,
            json!({"type": "string", "minLength": 3, "title": "Item Id",
                   "description": "The ID of the item to get", "examples": ["abc"],
                   "deprecated": true}),
        );
        let rules = std::slice::from_ref(&item_id);
        assert!(run(rules, &[("item_id", "abc".into())], "").is_ok());
        let detail = run(rules, &[("item_id", "ab".into())], "").unwrap_err();
        assert_eq!(detail["detail"][0]["type"], "string_too_short");
    }

    #[test]
    fn a_guest_checked_parameter_is_handed_over_as_its_text() {
        let decimal = json!({"anyOf": [{"type": "number", "minimum": 1.0}, {"type": "string"},
                                       {"type": "null"}], GUEST_CHECKED_MARKER: true});
        let dates = json!({"type": "array", "items": {"type": "string", "format": "date"},
                           "minItems": 2, GUEST_CHECKED_MARKER: true});
        let rules = [
            rule("price", Location::Query, true, decimal),
            rule("days", Location::Query, false, dates),
        ];
        let params = run(&rules, &[], "price=0&days=x").unwrap();
        assert_eq!(
            params,
            vec![
                ("price".to_owned(), json!("0").to_string()),
                ("days".to_owned(), json!(["x"]).to_string())
            ]
        );
        let detail = run(&rules, &[], "days=x").unwrap_err();
        assert_eq!(detail["detail"][0]["type"], "missing");
        assert_eq!(detail["detail"][0]["loc"], json!(["query", "price"]));
    }

    #[test]
    fn other_unions_and_constraints_beside_any_of_are_load_errors() {
        let two_types = json!({"anyOf": [{"type": "integer"}, {"type": "string"}]});
        let no_null = json!({"anyOf": [{"type": "integer"}]});
        let two_nulls = json!({"anyOf": [{"type": "null"}, {"type": "null"}]});
        let beside = json!({"anyOf": [{"type": "integer"}, {"type": "null"}], "minimum": 1});
        let not_a_list = json!({"anyOf": {"type": "integer"}});
        for schema in [two_types, no_null, two_nulls, beside, not_a_list] {
            assert!(ValueSchema::from_json(&schema).is_err(), "{schema}");
        }
    }

    #[test]
    fn a_float_bound_is_stated_as_a_float_whichever_way_it_is_written() {
        // pydantic's schema writes `gt=0` as `0`; its error states `{"gt": 0.0}` for a float.
        let ratio = rule(
            "ratio",
            Location::Query,
            true,
            json!({"type": "number", "exclusiveMinimum": 0}),
        );
        let detail = run(&[ratio], &[], "ratio=0").unwrap_err();
        assert_eq!(detail["detail"][0]["msg"], "Input should be greater than 0");
        assert_eq!(detail["detail"][0]["ctx"].to_string(), r#"{"gt":0.0}"#);
        let count = rule(
            "count",
            Location::Query,
            true,
            json!({"type": "integer", "exclusiveMinimum": 0}),
        );
        let detail = run(&[count], &[], "count=0").unwrap_err();
        assert_eq!(detail["detail"][0]["ctx"].to_string(), r#"{"gt":0}"#);
    }
}
