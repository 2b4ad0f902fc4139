//! `ParamType`: the Rust types a path, query, header or cookie parameter may have, and the JSON
//! Schema each declares. The host validates and coerces raw strings against that schema, so a
//! handler receives only values that already fit its type.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// A type usable as a parameter value (`u32`, `String`, `bool`, `Option<T>`, `Vec<T>`, …).
pub trait ParamType: DeserializeOwned {
    /// JSON Schema of one value.
    fn schema() -> Value;

    /// Whether the request must carry it (false for `Option<T>` and `Vec<T>`).
    const REQUIRED: bool = true;

    /// The value when the parameter is absent and not required.
    fn absent() -> Option<Self> {
        None
    }
}

macro_rules! integer_params {
    ($($ty:ty),*) => {$(
        impl ParamType for $ty {
            fn schema() -> Value {
                // The type's range is part of the contract: `u8` rejects 300 with a 422, not a panic.
                json!({ "type": "integer", "minimum": <$ty>::MIN, "maximum": <$ty>::MAX })
            }
        }
    )*};
}
integer_params!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl ParamType for f32 {
    fn schema() -> Value {
        json!({ "type": "number" })
    }
}

impl ParamType for f64 {
    fn schema() -> Value {
        json!({ "type": "number" })
    }
}

impl ParamType for bool {
    fn schema() -> Value {
        json!({ "type": "boolean" })
    }
}

impl ParamType for String {
    fn schema() -> Value {
        json!({ "type": "string" })
    }
}

impl<T: ParamType> ParamType for Option<T> {
    fn schema() -> Value {
        T::schema()
    }
    const REQUIRED: bool = false;
    fn absent() -> Option<Self> {
        Some(None)
    }
}

/// Repeated query parameters (`?tag=a&tag=b`).
impl<T: ParamType> ParamType for Vec<T> {
    fn schema() -> Value {
        json!({ "type": "array", "items": T::schema() })
    }
    const REQUIRED: bool = false;
    fn absent() -> Option<Self> {
        Some(Vec::new())
    }
}
