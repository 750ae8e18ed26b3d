//! Line of sight to a domain controller: an anonymous LDAP search of the rootDSE on port
//! 389, which every DC answers without credentials. The request is a few bytes of BER written
//! by hand; the answer is read with a bounded BER reader.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mde_artifacts::bundle::LdapProbe;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::endpoint::io_words;
use super::secs;

/// The rootDSE attributes asked for.
pub(crate) const ATTRIBUTES: [&str; 4] = [
    "dnsHostName",
    "defaultNamingContext",
    "configurationNamingContext",
    "rootDomainNamingContext",
];

/// A rootDSE answer bigger than this is not what we asked for.
const MAX_RESPONSE: usize = 64 * 1024;

pub(crate) async fn root_dse(addr: SocketAddr, connect: Duration, read: Duration) -> LdapProbe {
    let started = Instant::now();
    let mut probe = LdapProbe {
        server: addr.to_string(),
        status: "failed".into(),
        ..LdapProbe::default()
    };
    let result = async {
        let mut stream = match tokio::time::timeout(connect, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(format!("TCP connect: {}", io_words(&e))),
            Err(_) => return Err(format!("TCP connect timed out after {}", secs(connect))),
        };
        match tokio::time::timeout(read, exchange(&mut stream)).await {
            Ok(r) => r,
            Err(_) => Err(format!("no LDAP answer within {}", secs(read))),
        }
    }
    .await;
    match result {
        Ok(attrs) => {
            probe.status = "ok".into();
            probe.root_dse = attrs;
        }
        Err(e) => probe.error = Some(e),
    }
    probe.elapsed_ms = Some(started.elapsed().as_millis() as u64);
    probe
}

async fn exchange(stream: &mut TcpStream) -> Result<BTreeMap<String, String>, String> {
    stream
        .write_all(&search_request(1, &ATTRIBUTES))
        .await
        .map_err(|e| format!("sending the search: {}", io_words(&e)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match parse_responses(&buf)? {
            Some(attrs) => return Ok(attrs),
            None if buf.len() > MAX_RESPONSE => {
                return Err(format!("no complete answer within {MAX_RESPONSE} bytes"));
            }
            None => {}
        }
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("reading the answer: {}", io_words(&e)))?;
        if n == 0 {
            return Err("the server closed the connection without a complete answer".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A base-scope search of the empty DN for `(objectClass=*)`.
pub(crate) fn search_request(message_id: u8, attributes: &[&str]) -> Vec<u8> {
    let mut attrs = Vec::new();
    for a in attributes {
        attrs.extend(tlv(0x04, a.as_bytes()));
    }
    let mut search = Vec::new();
    search.extend(tlv(0x04, b"")); // baseObject ""
    search.extend(tlv(0x0a, &[0])); // scope baseObject
    search.extend(tlv(0x0a, &[0])); // derefAliases never
    search.extend(tlv(0x02, &[0])); // sizeLimit
    search.extend(tlv(0x02, &[10])); // timeLimit (s)
    search.extend(tlv(0x01, &[0])); // typesOnly false
    search.extend(tlv(0x87, b"objectClass")); // present filter
    search.extend(tlv(0x30, &attrs));
    let mut message = tlv(0x02, &[message_id]);
    message.extend(tlv(0x63, &search));
    tlv(0x30, &message)
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u32).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (4 - skip) as u8);
        out.extend(&bytes[skip..]);
    }
    out.extend(content);
    out
}

/// A BER element: tag, content, and the bytes after it.
type Element<'a> = (u8, &'a [u8], &'a [u8]);

/// The first BER element of `buf`. `Ok(None)`: not all there yet.
fn element(buf: &[u8]) -> Result<Option<Element<'_>>, String> {
    let Some(&tag) = buf.first() else {
        return Ok(None);
    };
    let Some(&first) = buf.get(1) else {
        return Ok(None);
    };
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return Err(format!("an LDAP answer with a {n}-byte length: not LDAP"));
        }
        let Some(bytes) = buf.get(2..2 + n) else {
            return Ok(None);
        };
        (
            bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize),
            2 + n,
        )
    };
    match buf.get(header..header + len) {
        Some(content) => Ok(Some((tag, content, &buf[header + len..]))),
        None if len > MAX_RESPONSE => Err(format!("an LDAP element of {len} bytes: too big")),
        None => Ok(None),
    }
}

fn complete(buf: &[u8]) -> Result<Element<'_>, String> {
    element(buf)?.ok_or_else(|| "a truncated LDAP element".to_string())
}

/// Reads LDAP messages from `buf`: the entry's attributes once SearchResultDone arrived
/// with success, an error if it says otherwise, `None` while incomplete.
pub(crate) fn parse_responses(mut buf: &[u8]) -> Result<Option<BTreeMap<String, String>>, String> {
    let mut attrs = BTreeMap::new();
    loop {
        if let Some(&tag) = buf.first()
            && tag != 0x30
        {
            return Err(format!("not an LDAP message (tag {tag:#04x})"));
        }
        let Some((tag, message, rest)) = element(buf)? else {
            return Ok(None);
        };
        if tag != 0x30 {
            return Err(format!("not an LDAP message (tag {tag:#04x})"));
        }
        buf = rest;
        let (_, _, op) = complete(message)?; // messageID
        let (op_tag, body, _) = complete(op)?;
        match op_tag {
            0x64 => {
                let (_, _, after_name) = complete(body)?; // objectName
                let (_, mut list, _) = complete(after_name)?;
                while !list.is_empty() {
                    let (_, pair, next) = complete(list)?;
                    list = next;
                    let (_, name, vals) = complete(pair)?;
                    let (_, mut set, _) = complete(vals)?;
                    let mut values = Vec::new();
                    while !set.is_empty() {
                        let (_, v, next) = complete(set)?;
                        set = next;
                        values.push(String::from_utf8_lossy(v).into_owned());
                    }
                    attrs.insert(
                        String::from_utf8_lossy(name).into_owned(),
                        values.join("; "),
                    );
                }
            }
            0x65 => {
                let (_, code, rest) = complete(body)?;
                let code = code.iter().fold(0u32, |acc, b| (acc << 8) | *b as u32);
                if code != 0 {
                    let (_, _, rest) = complete(rest)?; // matchedDN
                    let (_, message, _) = complete(rest)?;
                    return Err(format!(
                        "the server refused the search: result {code} {}",
                        String::from_utf8_lossy(message)
                    ));
                }
                return Ok(Some(attrs));
            }
            // SearchResultReference and anything else: not for a rootDSE read.
            _ => {}
        }
    }
}

/// A rootDSE answer as a DC sends it (for tests here and in the binary's).
pub fn encode_root_dse_answer(message_id: u8, attrs: &[(&str, &str)]) -> Vec<u8> {
    let mut list = Vec::new();
    for (name, value) in attrs {
        let mut pair = tlv(0x04, name.as_bytes());
        pair.extend(tlv(0x31, &tlv(0x04, value.as_bytes())));
        list.extend(tlv(0x30, &pair));
    }
    let mut entry = tlv(0x04, b"");
    entry.extend(tlv(0x30, &list));
    let mut m1 = tlv(0x02, &[message_id]);
    m1.extend(tlv(0x64, &entry));
    let mut done = tlv(0x0a, &[0]);
    done.extend(tlv(0x04, b""));
    done.extend(tlv(0x04, b""));
    let mut m2 = tlv(0x02, &[message_id]);
    m2.extend(tlv(0x65, &done));
    let mut out = tlv(0x30, &m1);
    out.extend(tlv(0x30, &m2));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_is_well_formed() {
        let r = search_request(1, &ATTRIBUTES);
        let (tag, body, rest) = element(&r).unwrap().unwrap();
        assert_eq!((tag, rest.len()), (0x30, 0));
        let (_, _, op) = complete(body).unwrap();
        assert_eq!(op[0], 0x63);
        // A long attribute list takes the long length form.
        let long: Vec<&str> = std::iter::repeat_n("configurationNamingContext", 10).collect();
        let r = search_request(1, &long);
        assert_eq!(r[1], 0x82);
        assert!(element(&r).unwrap().is_some());
    }

    #[test]
    fn answer_round_trip_and_partial() {
        let answer = encode_root_dse_answer(1, &[("dnsHostName", "dc1.contoso.com")]);
        let attrs = parse_responses(&answer).unwrap().unwrap();
        assert_eq!(attrs["dnsHostName"], "dc1.contoso.com");
        for cut in 0..answer.len() {
            assert_eq!(
                parse_responses(&answer[..cut]).unwrap(),
                None,
                "cut at {cut}"
            );
        }
        assert!(parse_responses(b"HTTP/1.1 400").is_err());
        assert!(parse_responses(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err());
    }
}
