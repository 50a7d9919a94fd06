//! 全国地方公共団体コード (local government codes) and the 47 prefectures they start with.
//!
//! The code is the hub's key for a municipality, in URLs, in imports and across a federation,
//! so a mistyped one must be caught where it enters rather than create a phantom city.

/// 都道府県: a prefecture, with its JIS X 0401 code (the first two digits of its municipalities'
/// codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefecture {
    pub code: &'static str,
    pub name_ja: &'static str,
    pub name_en: &'static str,
}

const fn p(code: &'static str, name_ja: &'static str, name_en: &'static str) -> Prefecture {
    Prefecture {
        code,
        name_ja,
        name_en,
    }
}

/// JIS X 0401, in code order.
pub const PREFECTURES: [Prefecture; 47] = [
    p("01", "北海道", "Hokkaido"),
    p("02", "青森県", "Aomori"),
    p("03", "岩手県", "Iwate"),
    p("04", "宮城県", "Miyagi"),
    p("05", "秋田県", "Akita"),
    p("06", "山形県", "Yamagata"),
    p("07", "福島県", "Fukushima"),
    p("08", "茨城県", "Ibaraki"),
    p("09", "栃木県", "Tochigi"),
    p("10", "群馬県", "Gunma"),
    p("11", "埼玉県", "Saitama"),
    p("12", "千葉県", "Chiba"),
    p("13", "東京都", "Tokyo"),
    p("14", "神奈川県", "Kanagawa"),
    p("15", "新潟県", "Niigata"),
    p("16", "富山県", "Toyama"),
    p("17", "石川県", "Ishikawa"),
    p("18", "福井県", "Fukui"),
    p("19", "山梨県", "Yamanashi"),
    p("20", "長野県", "Nagano"),
    p("21", "岐阜県", "Gifu"),
    p("22", "静岡県", "Shizuoka"),
    p("23", "愛知県", "Aichi"),
    p("24", "三重県", "Mie"),
    p("25", "滋賀県", "Shiga"),
    p("26", "京都府", "Kyoto"),
    p("27", "大阪府", "Osaka"),
    p("28", "兵庫県", "Hyogo"),
    p("29", "奈良県", "Nara"),
    p("30", "和歌山県", "Wakayama"),
    p("31", "鳥取県", "Tottori"),
    p("32", "島根県", "Shimane"),
    p("33", "岡山県", "Okayama"),
    p("34", "広島県", "Hiroshima"),
    p("35", "山口県", "Yamaguchi"),
    p("36", "徳島県", "Tokushima"),
    p("37", "香川県", "Kagawa"),
    p("38", "愛媛県", "Ehime"),
    p("39", "高知県", "Kochi"),
    p("40", "福岡県", "Fukuoka"),
    p("41", "佐賀県", "Saga"),
    p("42", "長崎県", "Nagasaki"),
    p("43", "熊本県", "Kumamoto"),
    p("44", "大分県", "Oita"),
    p("45", "宮崎県", "Miyazaki"),
    p("46", "鹿児島県", "Kagoshima"),
    p("47", "沖縄県", "Okinawa"),
];

/// The prefecture with a two-digit code, or one named in Japanese or English (case-insensitive,
/// with or without 都/府/県).
pub fn prefecture(key: &str) -> Option<&'static Prefecture> {
    let key = key.trim();
    PREFECTURES.iter().find(|p| {
        p.code == key
            || p.name_ja == key
            || p.name_en.eq_ignore_ascii_case(key)
            || p.name_ja.trim_end_matches(['都', '府', '県']) == key
    })
}

/// The check digit of a five-digit code: weights 6,5,4,3,2, r = sum mod 11, (11 − r) mod 10.
fn check_digit(digits: &[u8; 5]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip([6u32, 5, 4, 3, 2])
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    u8::try_from((11 - sum % 11) % 10).unwrap_or(0)
}

/// The six-digit code for a five-digit one, its check digit appended; `None` unless `five` is
/// five ASCII digits.
pub fn with_check_digit(five: &str) -> Option<String> {
    let digits: [u8; 5] = five
        .bytes()
        .map(|b| b.is_ascii_digit().then(|| b - b'0'))
        .collect::<Option<Vec<u8>>>()?
        .try_into()
        .ok()?;
    Some(format!("{five}{}", check_digit(&digits)))
}

/// Validates a six-digit local government code and returns its prefecture. The message says
/// what is wrong, including the check digit that would have been right.
pub fn validate_municipality_code(code: &str) -> Result<&'static Prefecture, String> {
    let bytes = code.as_bytes();
    if bytes.len() != 6 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(format!(
            "{code:?} is not a local government code: expected 6 digits (5 digits and a check digit, e.g. \"352063\")"
        ));
    }
    let digits: [u8; 5] = [
        bytes[0] - b'0',
        bytes[1] - b'0',
        bytes[2] - b'0',
        bytes[3] - b'0',
        bytes[4] - b'0',
    ];
    let expected = check_digit(&digits);
    let given = bytes[5] - b'0';
    if expected != given {
        return Err(format!(
            "{code:?} has a wrong check digit: the code for {} would be \"{}{expected}\"",
            &code[..5],
            &code[..5]
        ));
    }
    prefecture(&code[..2]).ok_or_else(|| {
        format!(
            "{code:?} starts with {:?}, which is no prefecture code",
            &code[..2]
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_five_cities_and_the_worked_example_pass() {
        for (code, pref) in [
            ("131041", "13"),
            ("352012", "35"),
            ("352039", "35"),
            ("352063", "35"),
            ("332020", "33"),
            ("272035", "27"),
            ("282049", "28"),
            ("282022", "28"),
            ("272051", "27"),
        ] {
            assert_eq!(
                validate_municipality_code(code).map(|p| p.code),
                Ok(pref),
                "{code}"
            );
        }
    }

    #[test]
    fn a_wrong_check_digit_names_the_right_one() {
        let e = validate_municipality_code("352064").expect_err("bad check digit");
        assert!(e.contains("\"352063\""), "{e}");
        assert!(validate_municipality_code("35206").is_err());
        assert!(validate_municipality_code("35206a").is_err());
        assert!(validate_municipality_code("990009").is_err());
    }

    #[test]
    fn the_check_digit_is_appended_to_five_digits_only() {
        assert_eq!(with_check_digit("35206").as_deref(), Some("352063"));
        assert_eq!(with_check_digit("13104").as_deref(), Some("131041"));
        assert_eq!(with_check_digit("3520"), None);
        assert_eq!(with_check_digit("3520a"), None);
    }

    #[test]
    fn prefectures_are_found_by_code_or_name() {
        assert_eq!(prefecture("35").map(|p| p.name_en), Some("Yamaguchi"));
        assert_eq!(prefecture("山口県").map(|p| p.code), Some("35"));
        assert_eq!(prefecture("山口").map(|p| p.code), Some("35"));
        assert_eq!(prefecture("osaka").map(|p| p.code), Some("27"));
        assert_eq!(prefecture("Atlantis"), None);
    }
}
