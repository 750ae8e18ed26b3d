//! The function catalogue as an enum: names are resolved once, when an expression is
//! parsed, so a misspelt or mis-cased function is a syntax error with its position (the
//! engine refuses it when the rule is saved, not per object), and evaluation never compares
//! names again.

macro_rules! functions {
    ($($variant:ident = $name:literal,)*) => {
        /// A function of the sync-rule language.
        #[allow(clippy::upper_case_acronyms)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Func {
            $($variant,)*
        }

        /// Every function name the engine knows (case-sensitive).
        pub const NAMES: &[&str] = &[$($name,)*];

        impl Func {
            /// The name as the engine spells it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Func::$variant => $name,)*
                }
            }

            /// The function of this exact (case-sensitive) name.
            pub fn from_name(name: &str) -> Option<Func> {
                match name {
                    $($name => Some(Func::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

functions! {
    BitAnd = "BitAnd",
    BitOr = "BitOr",
    CBool = "CBool",
    CDate = "CDate",
    CGuid = "CGuid",
    CNum = "CNum",
    CRef = "CRef",
    CStr = "CStr",
    CertExtensionOids = "CertExtensionOids",
    CertFormat = "CertFormat",
    CertFriendlyName = "CertFriendlyName",
    CertHashString = "CertHashString",
    CertIssuer = "CertIssuer",
    CertIssuerDN = "CertIssuerDN",
    CertIssuerOid = "CertIssuerOid",
    CertKeyAlgorithm = "CertKeyAlgorithm",
    CertKeyAlgorithmParams = "CertKeyAlgorithmParams",
    CertNameInfo = "CertNameInfo",
    CertNotAfter = "CertNotAfter",
    CertNotBefore = "CertNotBefore",
    CertPublicKeyOid = "CertPublicKeyOid",
    CertPublicKeyParametersOid = "CertPublicKeyParametersOid",
    CertSerialNumber = "CertSerialNumber",
    CertSignatureAlgorithmOid = "CertSignatureAlgorithmOid",
    CertSubject = "CertSubject",
    CertSubjectNameDN = "CertSubjectNameDN",
    CertSubjectNameOid = "CertSubjectNameOid",
    CertThumbprint = "CertThumbprint",
    CertVersion = "CertVersion",
    Contains = "Contains",
    ConvertFromBase64 = "ConvertFromBase64",
    ConvertFromUTF8Hex = "ConvertFromUTF8Hex",
    ConvertToBase64 = "ConvertToBase64",
    ConvertToUTF8Hex = "ConvertToUTF8Hex",
    Count = "Count",
    DNComponent = "DNComponent",
    DNComponentRev = "DNComponentRev",
    DateAdd = "DateAdd",
    DateFromNum = "DateFromNum",
    Error = "Error",
    EscapeDNComponent = "EscapeDNComponent",
    FormatDateTime = "FormatDateTime",
    Guid = "Guid",
    IIF = "IIF",
    ImportedValue = "ImportedValue",
    InStr = "InStr",
    InStrRev = "InStrRev",
    IsBitSet = "IsBitSet",
    IsCert = "IsCert",
    IsDate = "IsDate",
    IsEmpty = "IsEmpty",
    IsGuid = "IsGuid",
    IsNull = "IsNull",
    IsNullOrEmpty = "IsNullOrEmpty",
    IsNumeric = "IsNumeric",
    IsPresent = "IsPresent",
    IsString = "IsString",
    Item = "Item",
    ItemOrNull = "ItemOrNull",
    Join = "Join",
    LCase = "LCase",
    LTrim = "LTrim",
    Left = "Left",
    Len = "Len",
    Mid = "Mid",
    Now = "Now",
    NumFromDate = "NumFromDate",
    PCase = "PCase",
    PadLeft = "PadLeft",
    PadRight = "PadRight",
    RTrim = "RTrim",
    RandomNum = "RandomNum",
    RegexIsMatch = "RegexIsMatch",
    RemoveDuplicates = "RemoveDuplicates",
    Replace = "Replace",
    ReplaceChars = "ReplaceChars",
    Right = "Right",
    Select = "Select",
    Split = "Split",
    StringFromGuid = "StringFromGuid",
    StringFromSid = "StringFromSid",
    Switch = "Switch",
    Trim = "Trim",
    UCase = "UCase",
    ValueCount = "ValueCount",
    Where = "Where",
    With = "With",
    Word = "Word",
    CBin = "CBin",
    Thumbprint = "Thumbprint",
}

impl Func {
    /// The right spelling of a name that differs only in case from a function's.
    pub fn case_variant(name: &str) -> Option<&'static str> {
        NAMES.iter().copied().find(|n| n.eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for Func {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
