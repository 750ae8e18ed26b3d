//! Sync-rule LDIF read in parallel blocks: any bytes, cut at any block size, give the objects
//! and problems (with their lines) the streaming reader gives, for every attribute and for a
//! rule's few (read in place, or handed back to the streaming reader record by record).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mde_syncrule::input::{Format, blocks, read};

fuzz_target!(|data: &[u8]| {
    let block = 1 + data.first().copied().unwrap_or(0) as usize * 7;
    let few = ["cn", "objectGUID", "operatingSystem", "userCertificate", "dn"].map(String::from);
    for wanted in [None, Some(&few[..]), Some(&few[..4])] {
        let (mut objects, mut problems) = (Vec::new(), Vec::new());
        for item in read(Format::Ldif, Box::new(data), wanted).unwrap() {
            match item {
                Ok(o) => objects.push(o),
                Err(e) => problems.push(e),
            }
        }
        for threads in [1, 2] {
            let options = blocks::Options { threads, block, max_block: 1 << 30 };
            let (mut o, mut p) = (Vec::new(), Vec::new());
            blocks::ldif(
                data,
                wanted,
                options,
                |items| items.collect::<Vec<_>>(),
                |mut some, found| {
                    o.append(&mut some);
                    p.extend(found.iter().map(ToString::to_string));
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(o, objects);
            assert_eq!(p, problems);
        }
    }
});
