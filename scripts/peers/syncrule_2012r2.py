#!/usr/bin/env python3
"""The Windows Server 2012 R2 `cloudFiltered` rule of *In from AD - Computer Join*, written
the way an administrator would script it in Python: the benchmark peer of
`mde-doctor syncrule eval --preset server2012r2-computer-join` (scripts/bench-syncrule.sh).

    IIF(IsNullOrEmpty([userCertificate])
        || (UCase([operatingSystem]) has "WINDOWS" && version starts "6." but not "6.3")
        || (version starts "6.3" && UCase([operatingSystem]) has "WINDOWS"
            && no certificate is a certificate, valid now, whose subject matches
               "CN=[{]*<objectGUID>[}]*" ignoring case),
        True, NULL)

Reads LDIF as ldifde and ldapsearch write it (base64 `::` values, lines folded with a
leading space, CRLF or LF, `#` comments), parses certificates with the `cryptography`
package, and prints one JSON line per object, as mde-doctor does:
`{"dn":"…","value":true,"type":"bool"}` or `{"dn":"…","value":null,"type":"null"}`.

    scripts/peers/syncrule_2012r2.py FILE.ldif > results.jsonl
"""
import base64
import binascii
import datetime
import json
import re
import sys
import uuid

from cryptography import x509

WANTED = {"usercertificate", "operatingsystem", "operatingsystemversion", "objectguid"}


def records(path):
    """Yields (dn, {lower-case attribute name: [values]}) per LDIF entry."""
    dn, attrs, line = None, {}, None

    def finish_line(line):
        nonlocal dn
        if line is None or line.startswith("#") or ":" not in line:
            return
        name, _, value = line.partition(":")
        name = name.split(";")[0]
        if value.startswith(":"):
            value = base64.b64decode(value[1:].strip())
        else:
            value = value.lstrip(" ")
        if name.lower() == "dn":
            dn = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        elif name.lower() in WANTED:
            attrs.setdefault(name.lower(), []).append(value)

    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for raw in f:
            raw = raw.rstrip("\r\n")
            if raw.startswith(" "):
                if line is not None:
                    line += raw[1:]
                continue
            finish_line(line)
            line = None
            if raw.strip() == "":
                if dn is not None:
                    yield dn, attrs
                dn, attrs = None, {}
                continue
            line = raw
        finish_line(line)
        if dn is not None:
            yield dn, attrs


def text(values):
    if not values:
        return None
    v = values[0]
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


def certificate(value):
    """The certificate a value holds (DER, or base64 text of DER), or None."""
    if isinstance(value, str):
        value = value.encode()
    if not value[:1] == b"\x30":
        try:
            value = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            return None
    try:
        return x509.load_der_x509_certificate(value)
    except ValueError:
        return None


def cloud_filtered(attrs, now):
    certs = [c for c in attrs.get("usercertificate", []) if len(c) > 0]
    if not certs:
        return True
    os_name = text(attrs.get("operatingsystem"))
    version = text(attrs.get("operatingsystemversion"))
    windows = os_name is not None and "WINDOWS" in os_name.upper()
    if version is None:
        return None
    if windows and version[:2] == "6." and version[:3] != "6.3":
        return True
    if version[:3] == "6.3" and windows:
        guid = attrs.get("objectguid", [b""])[0]
        if isinstance(guid, bytes) and len(guid) == 16:
            pattern = re.compile("CN=[{]*" + str(uuid.UUID(bytes_le=guid)) + "[}]*", re.IGNORECASE)
        else:
            pattern = None  # StringFromGuid(NULL) & … is NULL: no certificate matches
        valid = 0
        for value in certs:
            cert = certificate(value)
            if cert is None or cert.not_valid_after_utc <= now:
                continue
            if pattern is not None and pattern.search(cert.subject.rfc4514_string()):
                valid += 1
        if valid == 0:
            return True
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    now = datetime.datetime.now(datetime.timezone.utc)
    out = sys.stdout
    for dn, attrs in records(sys.argv[1]):
        value = cloud_filtered(attrs, now)
        out.write(json.dumps({"dn": dn, "value": value, "type": "null" if value is None else "bool"},
                             separators=(",", ":"), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
