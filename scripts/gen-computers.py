#!/usr/bin/env python3
"""Writes N realistic AD computer objects as ldifde writes them (CRLF, `changetype: add`,
base64 `::` values folded at 76 columns with a leading space), for the sync-rule benchmark.

Mix (seeded, reproducible): Windows 10/11 and Server 2016-2022 (10.0.x), Server 2012 R2
(6.3), 2008 R2 (6.1), a few Linux hosts; 0-3 userCertificate values each, taken from the
OpenSSL-made fixtures in crates/syncrule/tests/fixtures/certs (valid, expired, foreign GUID,
garbage); 1 in 4 objects carries the fixture GUID so its certificates match.

  scripts/gen-computers.py N OUT.ldif
"""
import base64, os, random, sys, uuid

HERE = os.path.dirname(os.path.abspath(__file__))
CERTS = os.path.join(HERE, "..", "crates", "syncrule", "tests", "fixtures", "certs")
FIXTURE_GUID = uuid.UUID("0b814a2b-18eb-4f6a-9449-3387cf40b27a")
OSES = [
    ("Windows 10 Enterprise", "10.0 (19045)", 30),
    ("Windows 11 Enterprise", "10.0 (22631)", 25),
    ("Windows Server 2019 Standard", "10.0 (17763)", 10),
    ("Windows Server 2022 Datacenter", "10.0 (20348)", 8),
    ("Windows Server 2016 Standard", "10.0 (14393)", 5),
    ("Windows Server 2012 R2 Standard", "6.3 (9600)", 12),
    ("Windows Server 2008 R2 Enterprise", "6.1 (7601)", 5),
    ("Ubuntu", "22.04", 5),
]

def fold(line):
    out = [line[:76]]
    rest = line[76:]
    while rest:
        out.append(" " + rest[:75])
        rest = rest[75:]
    return "\r\n".join(out) + "\r\n"

def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, path = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(20261123)
    certs = {name[:-4]: base64.b64encode(open(os.path.join(CERTS, name), "rb").read()).decode()
             for name in sorted(os.listdir(CERTS)) if name.endswith(".der")}
    weighted = [o for o in OSES for _ in range(o[2])]
    with open(path, "w", newline="") as f:
        for i in range(n):
            os_name, version, _ = rng.choice(weighted)
            guid = FIXTURE_GUID if rng.random() < 0.25 else uuid.UUID(int=rng.getrandbits(128))
            name = f"PC{i:07d}"
            f.write(f"dn: CN={name},OU=Computers,OU=Site{i % 17:02d},DC=contoso,DC=com\r\n")
            f.write("changetype: add\r\nobjectClass: top\r\nobjectClass: person\r\n")
            f.write("objectClass: organizationalPerson\r\nobjectClass: user\r\nobjectClass: computer\r\n")
            f.write(f"cn: {name}\r\ndistinguishedName: CN={name},OU=Computers,OU=Site{i % 17:02d},DC=contoso,DC=com\r\n")
            f.write(f"sAMAccountName: {name}$\r\nuserAccountControl: 4096\r\ndNSHostName: {name.lower()}.contoso.com\r\n")
            f.write(fold("objectGUID:: " + base64.b64encode(guid.bytes_le).decode()))
            f.write(f"operatingSystem: {os_name}\r\noperatingSystemVersion: {version}\r\n")
            for c in rng.sample(list(certs), rng.choice([0, 1, 1, 1, 2, 3])):
                f.write(fold("userCertificate:: " + certs[c]))
            f.write("\r\n")
    print(f"{path}: {n} computer objects, {os.path.getsize(path)} bytes")

if __name__ == "__main__":
    main()
