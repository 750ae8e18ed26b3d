//! Every expression of a real Entra Connect configuration export
//! (examples/aadconnect-export) parses and names only known functions.

use std::path::PathBuf;

use mde_syncrule::{Expr, parse};

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn functions(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Call(n, args, _) => {
            out.push(n.clone());
            args.iter().for_each(|a| functions(a, out));
        }
        Expr::Unary(_, a, _) => functions(a, out),
        Expr::Binary(_, a, b, _) => {
            functions(a, out);
            functions(b, out);
        }
        _ => {}
    }
}

#[test]
fn every_expression_of_the_contoso_export_parses() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/aadconnect-export/SynchronizationRules");
    let re = regex::Regex::new(r"(?s)<expression>(.*?)</expression>").unwrap();
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for cap in re.captures_iter(&text) {
            let expr = unescape(&cap[1]);
            let ast = parse(&expr).unwrap_or_else(|e| panic!("{}: {expr}: {e}", path.display()));
            let mut names = Vec::new();
            functions(&ast, &mut names);
            for n in names {
                assert!(
                    mde_syncrule::FUNCTIONS.contains(&n.as_str()),
                    "{}: unknown function {n} in {expr}",
                    path.display()
                );
            }
            count += 1;
        }
    }
    assert!(count >= 300, "{count} expressions");
}
