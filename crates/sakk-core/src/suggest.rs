//! "Did you mean" suggestions for misspelt keys and names.

/// The candidate closest to `input`, if one is close enough to be a likely typo.
pub fn suggest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input_lower = input.to_ascii_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let candidate_lower = candidate.to_ascii_lowercase();
        let score = if candidate_lower == input_lower
            || candidate_lower.replace(['-', '_'], "") == input_lower.replace(['-', '_'], "")
        {
            1.0
        } else if candidate_lower.len() >= 4
            && input_lower.starts_with(&candidate_lower)
            && input_lower[candidate_lower.len()..].starts_with(['-', '_', '.', ' '])
        {
            // `spot-instances` for `spot`: the candidate, with words added.
            0.9
        } else {
            let distance = strsim::damerau_levenshtein(&input_lower, &candidate_lower);
            let longest = input_lower
                .chars()
                .count()
                .max(candidate_lower.chars().count());
            // Allow roughly one edit per three characters, and never more than three.
            if distance > 3 || distance * 3 > longest {
                continue;
            }
            strsim::jaro_winkler(&input_lower, &candidate_lower)
        };
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// A hint sentence for a misspelt name: "did you mean `x`?", or the list of valid names when
/// nothing is close (at most a handful).
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    if let Some(best) = suggest(input, candidates.clone()) {
        return format!("did you mean `{best}`?");
    }
    let all: Vec<&str> = candidates.into_iter().collect();
    if all.is_empty() {
        return "nothing is allowed here".to_owned();
    }
    let shown: Vec<String> = all
        .iter()
        .take(12)
        .map(|name| format!("`{name}`"))
        .collect();
    let more = if all.len() > shown.len() { ", ..." } else { "" };
    format!("expected one of {}{more}", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_ignores_strangers() {
        let keys = ["cert_manager_email", "cluster_name", "cognito_users"];
        assert_eq!(
            suggest("cert_manager_emial", keys),
            Some("cert_manager_email")
        );
        assert_eq!(suggest("clustername", keys), Some("cluster_name"));
        assert_eq!(suggest("cluster-name", keys), Some("cluster_name"));
        assert_eq!(suggest("cognito_user", keys), Some("cognito_users"));
        assert_eq!(suggest("region", keys), None);
        assert_eq!(
            suggest("spot-instances", ["on-demand", "spot"]),
            Some("spot")
        );
        assert_eq!(suggest("reserved", ["on-demand", "spot"]), None);
        assert_eq!(did_you_mean("x", ["a", "b"]), "expected one of `a`, `b`");
    }
}
