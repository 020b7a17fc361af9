//! Syntax checks for the values of a cluster file. Each returns `Err(reason)` with a sentence
//! that completes "this is not valid: ...".

use std::net::Ipv4Addr;

/// A DNS-1123 label: lowercase letters, digits and `-`, starting and ending with a letter or
/// digit, at most `max` characters.
pub fn dns_label(value: &str, max: usize) -> Result<(), String> {
    if value.is_empty() {
        return Err("it is empty".into());
    }
    if value.len() > max {
        return Err(format!(
            "it has {} characters, at most {max} are allowed",
            value.len()
        ));
    }
    if let Some(bad) = value.chars().find(|character| {
        !(character.is_ascii_lowercase() || character.is_ascii_digit() || *character == '-')
    }) {
        return Err(format!(
            "{} is not allowed: use lowercase letters, digits and `-`",
            describe_character(bad)
        ));
    }
    if value.starts_with('-') || value.ends_with('-') {
        return Err("it must start and end with a letter or digit".into());
    }
    Ok(())
}

/// A fully qualified domain name, returned in lowercase without a trailing dot.
pub fn fqdn(value: &str) -> Result<String, String> {
    let name = value
        .strip_suffix('.')
        .unwrap_or(value)
        .to_ascii_lowercase();
    if name.is_empty() {
        return Err("it is empty".into());
    }
    if name.contains("://") || name.contains('/') {
        return Err("write the domain name alone, without a scheme or path".into());
    }
    if name.len() > 253 {
        return Err("a domain name has at most 253 characters".into());
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err("a domain needs at least two labels, like `ml.example.com`".into());
    }
    for label in &labels {
        if label.is_empty() {
            return Err("it has an empty label (`..`)".into());
        }
        if label.len() > 63 {
            return Err(format!("the label `{label}` is longer than 63 characters"));
        }
        if let Some(bad) = label
            .chars()
            .find(|character| !(character.is_ascii_alphanumeric() || *character == '-'))
        {
            return Err(format!(
                "{} is not allowed in a domain name",
                describe_character(bad)
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("the label `{label}` starts or ends with `-`"));
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|character| character.is_ascii_digit()))
    {
        return Err("it looks like an IP address, not a domain name".into());
    }
    Ok(name)
}

/// Top-level domains that never resolve on the public internet.
pub fn reserved_tld(domain: &str) -> Option<&'static str> {
    const RESERVED: &[&str] = &[
        "local",
        "localhost",
        "test",
        "example",
        "invalid",
        "internal",
    ];
    let tld = domain.rsplit('.').next()?;
    RESERVED.iter().copied().find(|reserved| *reserved == tld)
}

/// An e-mail address whose domain has a dot.
pub fn email(value: &str) -> Result<(), String> {
    if !email_address::EmailAddress::is_valid(value) {
        let reason = match value.split_once('@') {
            _ if value.trim().is_empty() => "it is empty",
            None => "it has no `@`",
            Some(("", _)) => "nothing comes before the `@`",
            Some((_, "")) => "nothing comes after the `@`",
            Some((_, domain)) if domain.contains('@') => "it has more than one `@`",
            _ if value.chars().any(char::is_whitespace) => "it contains a space",
            _ => "it is not an e-mail address",
        };
        return Err(reason.into());
    }
    let domain = value.rsplit('@').next().unwrap_or_default();
    if !domain.contains('.') || domain.starts_with('[') {
        return Err("the part after `@` must be a domain name like `example.com`".into());
    }
    Ok(())
}

/// The kind of IAM principal an ARN names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// `user/...`
    User,
    /// `role/...`
    Role,
}

/// An IAM user or role ARN in `partition`: `arn:<partition>:iam::<12 digits>:(user|role)/<path/>name`.
/// Returns the kind and the name (the last path segment).
pub fn iam_principal_arn(value: &str, partition: &str) -> Result<(Principal, String), String> {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let [arn, arn_partition, service, region, account, resource] = parts.as_slice() else {
        return Err("an IAM ARN looks like `arn:aws:iam::123456789012:user/alice`".into());
    };
    if *arn != "arn" {
        return Err("an ARN starts with `arn:`".into());
    }
    if *arn_partition != partition {
        return Err(format!(
            "the partition is `{arn_partition}`, but the cluster's region is in `{partition}`"
        ));
    }
    if *service != "iam" {
        return Err(format!(
            "it is an ARN of `{service}`, not of an IAM user or role"
        ));
    }
    if !region.is_empty() {
        return Err("IAM ARNs have no region: `arn:aws:iam::<account>:...`".into());
    }
    account_id(account)?;
    let (kind, rest) = if let Some(rest) = resource.strip_prefix("user/") {
        (Principal::User, rest)
    } else if let Some(rest) = resource.strip_prefix("role/") {
        (Principal::Role, rest)
    } else {
        return Err("it must name a `user/...` or a `role/...`".into());
    };
    let name = rest.rsplit('/').next().unwrap_or_default();
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || "+=,.@_-".contains(character))
    {
        return Err(format!("`{rest}` is not a valid IAM user or role name"));
    }
    Ok((kind, name.to_owned()))
}

/// A 12-digit AWS account ID.
pub fn account_id(value: &str) -> Result<(), String> {
    if value.len() == 12 && value.chars().all(|character| character.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("the account ID `{value}` must be 12 digits"))
    }
}

/// An IAM policy ARN (AWS-managed or customer-managed).
pub fn policy_arn(value: &str, partition: &str) -> Result<(), String> {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let ["arn", arn_partition, "iam", "", account, resource] = parts.as_slice() else {
        return Err(
            "an IAM policy ARN looks like `arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess`".into(),
        );
    };
    if *arn_partition != partition {
        return Err(format!("the partition must be `{partition}`"));
    }
    if *account != "aws" {
        account_id(account)?;
    }
    if !resource.starts_with("policy/") || resource.len() <= "policy/".len() {
        return Err("it must name a `policy/...`".into());
    }
    Ok(())
}

/// A Secrets Manager secret ARN.
pub fn secret_arn(value: &str, partition: &str) -> Result<(), String> {
    let parts: Vec<&str> = value.splitn(7, ':').collect();
    let [
        "arn",
        arn_partition,
        "secretsmanager",
        region,
        account,
        "secret",
        name,
    ] = parts.as_slice()
    else {
        return Err("it must be the ARN of a Secrets Manager secret, like \
             `arn:aws:secretsmanager:us-east-1:123456789012:secret:kubeflow-oidc`"
            .into());
    };
    if *arn_partition != partition {
        return Err(format!("the partition must be `{partition}`"));
    }
    if crate::regions::region(region).is_none() {
        return Err(format!("`{region}` is not an AWS region"));
    }
    account_id(account)?;
    if name.is_empty() {
        return Err("the secret name is empty".into());
    }
    Ok(())
}

/// A Route53 hosted zone ID (`Z` and up to 31 uppercase letters and digits); an optional
/// `/hostedzone/` prefix is removed.
pub fn zone_id(value: &str) -> Result<String, String> {
    let id = value.strip_prefix("/hostedzone/").unwrap_or(value);
    let valid = id.len() >= 2
        && id.len() <= 32
        && id.starts_with('Z')
        && id
            .chars()
            .all(|character| character.is_ascii_uppercase() || character.is_ascii_digit());
    if valid {
        Ok(id.to_owned())
    } else {
        Err("a Route53 hosted zone ID is `Z` followed by uppercase letters and digits, like `Z0123456789ABCDEFGHIJ`".into())
    }
}

/// An S3 bucket name.
pub fn bucket_name(value: &str) -> Result<(), String> {
    if value.len() < 3 || value.len() > 63 {
        return Err("a bucket name has 3 to 63 characters".into());
    }
    if let Some(bad) = value.chars().find(|character| {
        !(character.is_ascii_lowercase()
            || character.is_ascii_digit()
            || *character == '-'
            || *character == '.')
    }) {
        return Err(format!(
            "{} is not allowed: use lowercase letters, digits, `-` and `.`",
            describe_character(bad)
        ));
    }
    let first_last_ok = |character: Option<char>| {
        character.is_some_and(|character| character.is_ascii_alphanumeric())
    };
    if !first_last_ok(value.chars().next()) || !first_last_ok(value.chars().last()) {
        return Err("it must start and end with a letter or digit".into());
    }
    if value.contains("..") {
        return Err("it must not contain `..`".into());
    }
    if value.parse::<Ipv4Addr>().is_ok() {
        return Err("it must not look like an IP address".into());
    }
    if value.starts_with("xn--")
        || value.starts_with("sthree-")
        || value.ends_with("-s3alias")
        || value.ends_with("--ol-s3")
    {
        return Err("S3 reserves this prefix or suffix".into());
    }
    Ok(())
}

/// A DynamoDB table name.
pub fn table_name(value: &str) -> Result<(), String> {
    if value.len() < 3 || value.len() > 255 {
        return Err("a table name has 3 to 255 characters".into());
    }
    match value
        .chars()
        .find(|character| !(character.is_ascii_alphanumeric() || "_.-".contains(*character)))
    {
        Some(bad) => Err(format!(
            "{} is not allowed: use letters, digits, `_`, `.` and `-`",
            describe_character(bad)
        )),
        None => Ok(()),
    }
}

/// What sakk knows of an EC2 instance type from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceType {
    /// NVIDIA GPU instance.
    pub gpu: bool,
    /// Graviton (arm64).
    pub arm: bool,
}

const NVIDIA_GPU_FAMILIES: &[&str] = &[
    "p2", "p3", "p3dn", "p4d", "p4de", "p5", "p5e", "p5en", "p6", "p6e", "g3", "g3s", "g4dn", "g5",
    "g5g", "g6", "g6e", "g6f", "gr6", "gr6f", "g7e",
];

const OTHER_ACCELERATOR_FAMILIES: &[&str] = &[
    "g4ad", "inf1", "inf2", "trn1", "trn1n", "trn2", "dl1", "dl2q", "f1", "f2", "vt1",
];

/// An EC2 instance type (`family.size`).
pub fn instance_type(value: &str) -> Result<InstanceType, String> {
    let Some((family, size)) = value.split_once('.') else {
        return Err("an instance type is `<family>.<size>`, like `m6i.xlarge`".into());
    };
    let valid_family = family
        .chars()
        .next()
        .is_some_and(|character| character.is_ascii_lowercase())
        && family.chars().all(|character| {
            character.is_ascii_lowercase() || character.is_ascii_digit() || character == '-'
        });
    let valid_size = !size.is_empty()
        && size.chars().all(|character| {
            character.is_ascii_lowercase() || character.is_ascii_digit() || character == '-'
        });
    if !valid_family || !valid_size || !family.chars().any(|character| character.is_ascii_digit()) {
        return Err("an instance type is `<family>.<size>`, like `m6i.xlarge`".into());
    }
    if OTHER_ACCELERATOR_FAMILIES.contains(&family) {
        return Err(format!(
            "`{family}` instances have no NVIDIA GPU; sakk's GPU support (AMI and device plugin) is for NVIDIA"
        ));
    }
    let base = family.split('-').next().unwrap_or(family);
    let gpu = NVIDIA_GPU_FAMILIES.contains(&base);
    // Graviton families have a `g` right after the generation digit (m7g, c6gn, r8gd, t4g,
    // is4gen); among GPU families only g5g is Graviton.
    let after_digit: String = base
        .chars()
        .skip_while(|character| !character.is_ascii_digit())
        .skip_while(char::is_ascii_digit)
        .collect();
    let arm = if gpu {
        base == "g5g"
    } else {
        after_digit.starts_with('g')
    };
    Ok(InstanceType { gpu, arm })
}

/// A Kubernetes label key (`[prefix/]name`).
pub fn label_key(value: &str) -> Result<(), String> {
    let (prefix, name) = match value.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, value),
    };
    if let Some(prefix) = prefix {
        fqdn(prefix)
            .map_err(|reason| format!("the prefix `{prefix}` is not a domain: {reason}"))?;
    }
    label_value(name)?;
    if name.is_empty() {
        return Err("the name part is empty".into());
    }
    Ok(())
}

/// A Kubernetes label value: at most 63 characters, alphanumerics with `-`, `_`, `.` inside.
pub fn label_value(value: &str) -> Result<(), String> {
    if value.len() > 63 {
        return Err("at most 63 characters".into());
    }
    if value.is_empty() {
        return Ok(());
    }
    let edge_ok = |character: Option<char>| {
        character.is_some_and(|character| character.is_ascii_alphanumeric())
    };
    if !edge_ok(value.chars().next()) || !edge_ok(value.chars().last()) {
        return Err("it must start and end with a letter or digit".into());
    }
    match value
        .chars()
        .find(|character| !(character.is_ascii_alphanumeric() || "-_.".contains(*character)))
    {
        Some(bad) => Err(format!("{} is not allowed", describe_character(bad))),
        None => Ok(()),
    }
}

/// A character, named so that a reader sees it: spaces and control characters are invisible
/// between backticks.
pub fn describe_character(character: char) -> String {
    match character {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        character if character.is_whitespace() || character.is_control() => {
            format!("the character U+{:04X}", character as u32)
        }
        character => format!("`{character}`"),
    }
}

/// A taint, `key[=value]:Effect`, split into its parts.
pub fn taint(value: &str) -> Result<(String, String, String), String> {
    let Some((key_value, effect)) = value.rsplit_once(':') else {
        return Err("a taint is `key=value:Effect`, like `nvidia.com/gpu=true:NoSchedule`".into());
    };
    if !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect) {
        return Err(format!(
            "the effect `{effect}` must be `NoSchedule`, `PreferNoSchedule` or `NoExecute`"
        ));
    }
    let (key, taint_value) = key_value.split_once('=').unwrap_or((key_value, ""));
    label_key(key).map_err(|reason| format!("the key `{key}` is not valid: {reason}"))?;
    label_value(taint_value)
        .map_err(|reason| format!("the value `{taint_value}` is not valid: {reason}"))?;
    Ok((key.to_owned(), taint_value.to_owned(), effect.to_owned()))
}

/// A Kubernetes resource quantity (`4`, `500m`, `16Gi`, `1.5`, `1e3`).
pub fn quantity(value: &str) -> Result<(), String> {
    const SUFFIXES: &[&str] = &[
        "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "m", "k", "M", "G", "T", "P", "E", "",
    ];
    let number_end = value
        .find(|character: char| !(character.is_ascii_digit() || character == '.'))
        .unwrap_or(value.len());
    let (number, suffix) = value.split_at(number_end);
    let number_ok = !number.is_empty() && number.parse::<f64>().is_ok();
    let exponent_ok = suffix.strip_prefix(['e', 'E']).is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .trim_start_matches(['+', '-'])
                .chars()
                .all(|character| character.is_ascii_digit())
    });
    if number_ok && (SUFFIXES.contains(&suffix) || exponent_ok) {
        Ok(())
    } else {
        Err("a quantity is a number with an optional unit, like `4`, `500m` or `64Gi`".into())
    }
}

/// A git branch name (the rules of `git check-ref-format --branch`, simplified).
pub fn branch(value: &str) -> Result<(), String> {
    let bad = value.is_empty()
        || value.starts_with('-')
        || value.starts_with('/')
        || value.ends_with('/')
        || value.ends_with('.')
        || value.ends_with(".lock")
        || value.contains("..")
        || value.contains("//")
        || value.contains("@{")
        || value == "@"
        || value
            .chars()
            .any(|character| character.is_ascii_control() || " ~^:?*[\\".contains(character));
    if bad {
        Err("it is not a valid git branch name".into())
    } else {
        Ok(())
    }
}

/// A path inside the repository: relative, no `..`, no empty segments. Returned without leading
/// `./` and trailing `/`.
pub fn repo_path(value: &str) -> Result<String, String> {
    let trimmed = value.trim_start_matches("./").trim_end_matches('/');
    if trimmed.starts_with('/') {
        return Err("it must be relative to the repository root".into());
    }
    if trimmed
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return Err("it must not contain `.` or `..` segments".into());
    }
    if trimmed.contains("//") {
        return Err("it has an empty segment (`//`)".into());
    }
    if trimmed
        .chars()
        .any(|character| character.is_control() || character == '\\')
    {
        return Err("it contains a character git paths cannot have".into());
    }
    Ok(trimmed.to_owned())
}

/// A git URL Argo CD can clone: `https://`, `http://`, `ssh://`, `git@host:path` or `file://`.
pub fn git_url(value: &str) -> Result<(), String> {
    let rest = ["https://", "http://", "ssh://", "file://"]
        .iter()
        .find_map(|scheme| value.strip_prefix(scheme))
        .or_else(|| value.strip_prefix("git@").filter(|rest| rest.contains(':')));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.chars().any(char::is_whitespace) => Ok(()),
        _ => Err(
            "a git URL starts with `https://`, `ssh://`, `git@host:` or `file://` (for a local repository)"
                .into(),
        ),
    }
}

/// A GitHub owner (user or organisation) name.
pub fn github_owner(value: &str) -> Result<(), String> {
    let valid = !value.is_empty()
        && value.len() <= 39
        && !value.starts_with('-')
        && !value.ends_with('-')
        && value
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || character == '-');
    if valid {
        Ok(())
    } else {
        Err("a GitHub owner has 1 to 39 letters, digits and `-`".into())
    }
}

/// A GitHub repository name.
pub fn github_repository(value: &str) -> Result<(), String> {
    let valid = !value.is_empty()
        && value.len() <= 100
        && value != "."
        && value != ".."
        && value
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || "-_.".contains(character));
    if valid {
        Ok(())
    } else {
        Err("a GitHub repository name has letters, digits, `-`, `_` and `.`".into())
    }
}

/// An IPv4 CIDR block in canonical form (no host bits).
pub fn cidr(value: &str) -> Result<ipnet::Ipv4Net, String> {
    let net: ipnet::Ipv4Net = value
        .parse()
        .map_err(|_| "a CIDR block looks like `10.0.0.0/16`".to_owned())?;
    if net.trunc() != net {
        return Err(format!(
            "host bits are set: did you mean `{}`?",
            net.trunc()
        ));
    }
    Ok(net)
}

/// Placeholders such as `<aws-account-id>` left in a value: their byte ranges in the value.
pub fn placeholders(value: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut search = 0;
    while let Some(start) = value[search..].find('<').map(|offset| search + offset) {
        let Some(end) = value[start..].find('>').map(|offset| start + offset + 1) else {
            break;
        };
        let inner = &value[start + 1..end - 1];
        if !inner.is_empty()
            && inner
                .chars()
                .all(|character| character.is_ascii_alphanumeric() || "-_ .".contains(character))
        {
            found.push((start, end));
        }
        search = end;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_accept_good_values_and_reject_bad_ones() {
        assert!(dns_label("simple", 40).is_ok());
        assert!(dns_label("Simple", 40).is_err());
        assert!(dns_label("a_b", 40).is_err());
        assert!(dns_label("-a", 40).is_err());
        assert_eq!(fqdn("ML.Example.com.").as_deref(), Ok("ml.example.com"));
        assert!(fqdn("localhost").is_err());
        assert!(fqdn("https://x.com").is_err());
        assert!(fqdn("a..b").is_err());
        assert!(email("qa@some.domain.local").is_ok());
        assert!(email("qa@localhost").is_err());
        assert_eq!(email("not-an-email"), Err("it has no `@`".to_owned()));
        assert_eq!(email("ops@"), Err("nothing comes after the `@`".to_owned()));
        assert_eq!(label_value("a b"), Err("a space is not allowed".to_owned()));
        assert!(iam_principal_arn("arn:aws:iam::123456789012:user/alice", "aws").is_ok());
        assert!(iam_principal_arn("arn:aws:iam::123456789012:role/path/ops", "aws").is_ok());
        assert!(iam_principal_arn("arn:aws:iam::12345:user/alice", "aws").is_err());
        assert!(iam_principal_arn("arn:aws:s3:::bucket", "aws").is_err());
        assert!(iam_principal_arn("arn:aws:iam::123456789012:group/x", "aws").is_err());
        assert!(policy_arn("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "aws").is_ok());
        assert!(
            secret_arn(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf",
                "aws"
            )
            .is_ok()
        );
        assert!(secret_arn("hunter2", "aws").is_err());
        assert_eq!(zone_id("/hostedzone/Z123ABC").as_deref(), Ok("Z123ABC"));
        assert!(zone_id("id-of-route53-zone").is_err());
        assert!(bucket_name("bucket-with-terraform-states").is_ok());
        assert!(bucket_name("Bucket").is_err());
        assert!(bucket_name("192.168.1.1").is_err());
        assert_eq!(
            instance_type("g5.xlarge"),
            Ok(InstanceType {
                gpu: true,
                arm: false
            })
        );
        assert_eq!(
            instance_type("g5g.xlarge"),
            Ok(InstanceType {
                gpu: true,
                arm: true
            })
        );
        assert_eq!(
            instance_type("m7g.large"),
            Ok(InstanceType {
                gpu: false,
                arm: true
            })
        );
        assert_eq!(
            instance_type("m6i.2xlarge"),
            Ok(InstanceType {
                gpu: false,
                arm: false
            })
        );
        assert_eq!(
            instance_type("g4dn.xlarge"),
            Ok(InstanceType {
                gpu: true,
                arm: false
            })
        );
        assert!(instance_type("inf2.xlarge").is_err());
        assert!(instance_type("large").is_err());
        assert!(taint("nvidia.com/gpu=true:NoSchedule").is_ok());
        assert!(taint("dedicated:NoSchedule").is_ok());
        assert!(taint("x=y:Sometimes").is_err());
        assert!(quantity("500m").is_ok() && quantity("64Gi").is_ok() && quantity("1e3").is_ok());
        assert!(quantity("lots").is_err() && quantity("5 GB").is_err());
        assert!(branch("main").is_ok() && branch("feature/x").is_ok() && branch("a..b").is_err());
        assert_eq!(
            repo_path("./examples/simple/").as_deref(),
            Ok("examples/simple")
        );
        assert!(repo_path("../x").is_err());
        assert!(git_url("file:///tmp/x.git").is_ok() && git_url("git@github.com:o/r.git").is_ok());
        assert!(git_url("github.com/o/r").is_err());
        assert!(cidr("10.10.0.0/16").is_ok() && cidr("10.10.0.1/16").is_err());
        assert_eq!(
            placeholders("arn:aws:iam::<aws-account-id>:user/<username>"),
            vec![(13, 29), (35, 45)]
        );
        assert!(placeholders("a < b > c").len() == 1);
    }
}
