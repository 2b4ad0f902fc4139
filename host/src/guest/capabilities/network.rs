//! What `network = true` opens: outbound connections to addresses off this machine, and name
//! lookup. A guest never listens or accepts, never binds a chosen address or port, and never
//! reaches this host's loopback, a link-local address (the cloud metadata service lives at
//! 169.254.169.254) or a multicast or broadcast group.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use wasmtime_wasi::sockets::SocketAddrUse;

/// The check the WASI socket layer runs before every bind, listen, accept, connect and datagram.
pub fn outbound_only(
    addr: SocketAddr,
    usage: SocketAddrUse,
) -> Pin<Box<dyn Future<Output = bool> + Send + Sync>> {
    Box::pin(std::future::ready(allows(addr, usage)))
}

fn allows(addr: SocketAddr, usage: SocketAddrUse) -> bool {
    match usage {
        // The implicit bind before a connect or a first datagram is to the wildcard address on
        // an ephemeral port; anything else is a guest choosing where to be reached.
        SocketAddrUse::TcpBind | SocketAddrUse::UdpBind => {
            addr.ip().is_unspecified() && addr.port() == 0
        }
        SocketAddrUse::TcpListen | SocketAddrUse::TcpAccept => false,
        SocketAddrUse::TcpConnect | SocketAddrUse::UdpSend | SocketAddrUse::UdpReceive => {
            addr.port() != 0 && is_off_host(addr.ip())
        }
    }
}

/// Whether an address names some other machine that a unicast connection can reach.
fn is_off_host(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_off_host_v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(ip) => is_off_host_v4(ip),
            None => is_off_host_v6(ip),
        },
    }
}

fn is_off_host_v4(ip: Ipv4Addr) -> bool {
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        // 0.0.0.0/8 means "this network" and reaches this host on Linux.
        || ip.octets()[0] == 0)
}

fn is_off_host_v6(ip: Ipv6Addr) -> bool {
    let link_local = (ip.segments()[0] & 0xffc0) == 0xfe80;
    !(ip.is_unspecified() || ip.is_loopback() || ip.is_multicast() || link_local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn connections_to_other_machines_are_allowed() {
        for to in [
            "93.184.216.34:443",
            "10.0.0.5:6379",
            "[2606:4700::1111]:443",
        ] {
            assert!(allows(addr(to), SocketAddrUse::TcpConnect), "{to}");
            assert!(allows(addr(to), SocketAddrUse::UdpSend), "{to}");
        }
    }

    #[test]
    fn this_host_and_link_local_addresses_are_refused() {
        for to in [
            "127.0.0.1:80",
            "127.8.9.10:80",
            "0.0.0.0:80",
            "0.1.2.3:80",
            "169.254.169.254:80",
            "224.0.0.1:80",
            "255.255.255.255:80",
            "[::1]:80",
            "[::]:80",
            "[fe80::1]:80",
            "[ff02::1]:80",
            "[::ffff:127.0.0.1]:80",
            "[::ffff:169.254.169.254]:80",
        ] {
            assert!(!allows(addr(to), SocketAddrUse::TcpConnect), "{to}");
            assert!(!allows(addr(to), SocketAddrUse::UdpReceive), "{to}");
        }
    }

    #[test]
    fn only_the_implicit_bind_is_allowed_and_nothing_listens() {
        assert!(allows(addr("0.0.0.0:0"), SocketAddrUse::TcpBind));
        assert!(allows(addr("[::]:0"), SocketAddrUse::UdpBind));
        assert!(!allows(addr("0.0.0.0:8080"), SocketAddrUse::TcpBind));
        assert!(!allows(addr("127.0.0.1:0"), SocketAddrUse::TcpBind));
        assert!(!allows(addr("0.0.0.0:0"), SocketAddrUse::TcpListen));
        assert!(!allows(
            addr("93.184.216.34:5000"),
            SocketAddrUse::TcpAccept
        ));
    }
}
