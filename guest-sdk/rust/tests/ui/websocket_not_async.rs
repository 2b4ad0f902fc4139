use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[websocket("/ws")]
    fn chat(ws: WebSocket) {
        let _ = ws;
    }
}

fn main() {}
