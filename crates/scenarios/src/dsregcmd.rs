//! `dsregcmd /status` text in the layout Windows 10 1809+ prints: 72-column frames, keys
//! right-aligned to column 26, ` : ` separators, a blank line after each title.

pub(crate) struct Section {
    pub(crate) title: &'static str,
    pub(crate) fields: Vec<(&'static str, String)>,
}

pub(crate) fn render(sections: &[Section]) -> String {
    let rule = format!("+{}+", "-".repeat(70));
    let mut out = String::new();
    for s in sections {
        out.push_str(&rule);
        out.push_str("\r\n");
        out.push_str(&format!("| {:<69}|\r\n", s.title));
        out.push_str(&rule);
        out.push_str("\r\n\r\n");
        for (key, value) in &s.fields {
            let line = format!("{key:>26} : {value}");
            out.push_str(line.trim_end());
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
    }
    out.push_str("For more information, please visit https://www.microsoft.com/aadjerrors\r\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn layout_reads_back() {
        let text = super::render(&[super::Section {
            title: "Device State",
            fields: vec![
                ("AzureAdJoined", "YES".into()),
                ("DomainJoined", "NO".into()),
            ],
        }]);
        assert!(text.contains("             AzureAdJoined : YES"));
        let parsed = mde_artifacts::dsregcmd::parse_dsregcmd(text.as_bytes()).unwrap();
        assert_eq!(parsed.facts().join_state.azure_ad_joined, Some(true));
    }
}
