//! Paths of the guest components built for the integration tests.
include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));
