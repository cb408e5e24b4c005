//! Reads a CDK cloud assembly (`cdk.out`) into plain data: stack artifacts (including the stacks of
//! CDK Stages and nested stacks), their templates, logical-id metadata and the construct tree.
//! Pure: no network, no terminal. Every error names the file, and the field where it is known.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;
use serde_json::value::RawValue;

mod flat_tree;
use flat_tree::{Item, Reference};

/// Why an assembly could not be read. Messages name the file (and field) and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum AssemblyError {
    #[error(
        "no cloud assembly at {path}: {reason}. Run `cdk synth` in your CDK app, or point cdkx at it with --app DIR (or CDK_APP_DIR)"
    )]
    NotFound { path: PathBuf, reason: String },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl AssemblyError {
    fn invalid(path: &Path, message: impl Into<String>) -> Self {
        AssemblyError::Invalid {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// Where the assembly was found, and the app directory that owns it (where `cdk.json` and a
/// project `construct-commands.json` live).
#[derive(Debug, Clone)]
pub struct Location {
    pub assembly_dir: PathBuf,
    pub app_dir: PathBuf,
}

/// Finds the assembly: `explicit` (from `--app` or `CDK_APP_DIR`), else `./cdk.out`. A directory
/// holding `cdk.json` stands for its `output` (default `cdk.out`).
pub fn locate(explicit: Option<&Path>, cwd: &Path) -> Result<Location, AssemblyError> {
    let given = match explicit {
        Some(p) if p.is_absolute() => p.to_path_buf(),
        Some(p) => cwd.join(p),
        None => {
            // Without a hint, a CDK project directory (cdk.json) is the usual place to be.
            if cwd.join("cdk.json").exists() {
                cwd.to_path_buf()
            } else {
                cwd.join("cdk.out")
            }
        }
    };
    if !given.exists() {
        return Err(AssemblyError::NotFound {
            path: given,
            reason: "the directory does not exist".into(),
        });
    }
    if given.is_file() {
        // `--app path/to/cdk.out/manifest.json` is a natural thing to type.
        if given.file_name().is_some_and(|n| n == "manifest.json") {
            let dir = given.parent().unwrap_or(Path::new(".")).to_path_buf();
            let app_dir = dir.parent().unwrap_or(Path::new(".")).to_path_buf();
            return Ok(Location {
                assembly_dir: dir,
                app_dir,
            });
        }
        return Err(AssemblyError::NotFound {
            path: given,
            reason: "this is a file, not a cdk.out directory".into(),
        });
    }
    let cdk_json = given.join("cdk.json");
    // `exists`, not `is_file`: a FIFO or device named cdk.json or manifest.json is refused by
    // the reader with "not a regular file", rather than reported as missing.
    if cdk_json.exists() {
        let output = read_cdk_json_output(&cdk_json)?;
        let dir = given.join(output);
        if !dir.join("manifest.json").exists() {
            return Err(AssemblyError::NotFound {
                path: dir,
                reason: format!(
                    "{} names it as the output, but it holds no manifest.json",
                    cdk_json.display()
                ),
            });
        }
        return Ok(Location {
            assembly_dir: dir,
            app_dir: given,
        });
    }
    if !given.join("manifest.json").exists() {
        return Err(AssemblyError::NotFound {
            path: given,
            reason: "it holds no manifest.json".into(),
        });
    }
    let app_dir = given.parent().unwrap_or(Path::new(".")).to_path_buf();
    Ok(Location {
        assembly_dir: given,
        app_dir,
    })
}

fn read_cdk_json_output(cdk_json: &Path) -> Result<String, AssemblyError> {
    #[derive(Deserialize)]
    struct CdkJson {
        output: Option<String>,
    }
    let parsed: CdkJson = read_json(cdk_json)?;
    Ok(parsed.output.unwrap_or_else(|| "cdk.out".to_string()))
}

/// The largest file cdkx reads from an assembly: 256 MiB. A template CloudFormation accepts is at
/// most 1 MB; the largest file of a 60,000-resource app (its tree.json) is 34 MB. A bigger file is
/// refused with an error naming it rather than read into memory.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The most stacks (top-level and nested) an assembly may describe: CloudFormation's default
/// quota is 2,000 stacks per region. Nested stacks that name one template many times over could
/// otherwise multiply without end.
pub const MAX_STACKS: usize = 10_000;

/// Reads a whole file the assembly names through [`crate::bounds::read_file`] (regular files
/// only, opened without blocking, at most [`MAX_FILE_BYTES`]), in the assembly's words.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, AssemblyError> {
    let mut out = Vec::new();
    read_file_into(path, &mut out)?;
    Ok(out)
}

/// [`read_file`] into a buffer that is reused from file to file (see
/// [`crate::bounds::read_file_into`]).
fn read_file_into(path: &Path, out: &mut Vec<u8>) -> Result<(), AssemblyError> {
    use crate::bounds::FileError;
    crate::bounds::read_file_into(path, MAX_FILE_BYTES, "a file of a cloud assembly", out).map_err(
        |e| match e {
            FileError::Io { path, source } => AssemblyError::Io { path, source },
            FileError::NotRegular { path, kind } => AssemblyError::Invalid {
                path,
                message: format!(
                    "not a regular file (a {kind}); cdkx reads only regular files from an assembly"
                ),
            },
            FileError::TooLarge { path, .. } => AssemblyError::Invalid {
                path,
                message: format!(
                    "the file is larger than {} MiB, the most cdkx reads from an assembly",
                    MAX_FILE_BYTES >> 20
                ),
            },
        },
    )
}

/// Reads and deserializes a JSON file; a type error names the field path (e.g. `artifacts.X.type`).
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, AssemblyError> {
    let bytes = read_file(path)?;
    parse_json(path, &bytes)
}

pub(crate) fn parse_json<'a, T: Deserialize<'a>>(
    path: &Path,
    bytes: &'a [u8],
) -> Result<T, AssemblyError> {
    parse_at(path, bytes, "")
}

/// Parses `bytes` (the whole file, or the part of it at field path `at`). The fast path is plain
/// serde_json; only when it fails is the input parsed again to name the field that is wrong.
fn parse_at<'a, T: Deserialize<'a>>(
    path: &Path,
    bytes: &'a [u8],
    at: &str,
) -> Result<T, AssemblyError> {
    // Every file of an assembly is a JSON object; serde would also accept an array for a struct.
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {}
        None => {
            return Err(AssemblyError::invalid(
                path,
                "invalid JSON: the file is empty",
            ));
        }
        Some(_) if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err() => {}
        Some(_) if at.is_empty() => {
            return Err(AssemblyError::invalid(
                path,
                "unexpected content: expected a JSON object",
            ));
        }
        Some(_) => {
            return Err(AssemblyError::invalid(
                path,
                format!("field `{at}`: expected a JSON object"),
            ));
        }
    }
    if let Ok(v) = serde_json::from_slice(bytes) {
        return Ok(v);
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let e = match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let inner_path = e.path().to_string();
    let field = match (at.is_empty(), inner_path.as_str()) {
        (true, p) => p.to_string(),
        (false, "" | ".") => at.to_string(),
        (false, p) => format!("{at}.{p}"),
    };
    let inner = e.into_inner();
    let message = if inner.is_syntax() || inner.is_eof() {
        format!("invalid JSON: {inner}")
    } else if field.is_empty() || field == "." {
        format!("unexpected content: {inner}")
    } else {
        format!("field `{field}`: {inner}")
    };
    Err(AssemblyError::invalid(path, message))
}

/// An account/region pair from `aws://ACCOUNT/REGION`; `None` stands for `unknown-account` or
/// `unknown-region` (an environment-agnostic stack).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Environment {
    pub account: Option<String>,
    pub region: Option<String>,
}

impl Environment {
    pub fn parse(s: &str) -> Option<Environment> {
        let rest = s.strip_prefix("aws://")?;
        let (account, region) = rest.split_once('/')?;
        if account.is_empty() || region.is_empty() || region.contains('/') {
            return None;
        }
        let known = |v: &str, unknown: &str| (v != unknown).then(|| v.to_string());
        Some(Environment {
            account: known(account, "unknown-account"),
            region: known(region, "unknown-region"),
        })
    }
}

/// One CloudFormation template resource.
#[derive(Debug, Clone)]
pub struct TemplateResource {
    pub cfn_type: String,
    /// `Properties`; `None` when the template has none, and when the assembly was read without
    /// properties ([`ReadOptions::properties`] false), except for nested stack resources.
    pub properties: Option<Value>,
    pub metadata: Option<ResourceMetadata>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResourceMetadata {
    #[serde(rename = "aws:cdk:path")]
    pub cdk_path: Option<String>,
    #[serde(rename = "aws:asset:path")]
    pub asset_path: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Template {
    pub resources: IndexMap<String, TemplateResource>,
    /// The names of the template's `Outputs`.
    pub outputs: Vec<String>,
}

/// A template as parsed: property values are kept as the raw JSON text they were (a slice of the
/// file), and turned into values only for the resources that need them.
#[derive(Deserialize)]
struct RawTemplate<'a> {
    #[serde(rename = "Resources", default, borrow)]
    resources: IndexMap<String, RawResource<'a>>,
    #[serde(rename = "Outputs", default)]
    outputs: IndexMap<String, IgnoredAny>,
}

#[derive(Deserialize)]
struct RawResource<'a> {
    #[serde(rename = "Type")]
    cfn_type: String,
    #[serde(rename = "Properties", default, borrow)]
    properties: Option<&'a RawValue>,
    #[serde(rename = "Metadata", default)]
    metadata: Option<ResourceMetadata>,
}

const NESTED_STACK_TYPE: &str = crate::kind::ResourceKind::CloudFormationStack.as_str();

fn parse_template(path: &Path, bytes: &[u8], properties: bool) -> Result<Template, AssemblyError> {
    let raw: RawTemplate = parse_json(path, bytes)?;
    let mut resources = IndexMap::with_capacity(raw.resources.len());
    for (logical_id, r) in raw.resources {
        let keep = properties || r.cfn_type == NESTED_STACK_TYPE;
        let props = match r.properties {
            Some(p) if keep => Some(serde_json::from_str(p.get()).map_err(|e| {
                AssemblyError::invalid(
                    path,
                    format!("field `Resources.{logical_id}.Properties`: {e}"),
                )
            })?),
            _ => None,
        };
        resources.insert(
            logical_id,
            TemplateResource {
                cfn_type: r.cfn_type,
                properties: props,
                metadata: r.metadata,
            },
        );
    }
    Ok(Template {
        resources,
        outputs: raw.outputs.into_keys().collect(),
    })
}

/// A stack as the assembly describes it: a top-level stack artifact, or a nested stack found
/// through its parent's template.
#[derive(Debug, Clone)]
pub struct StackArtifact {
    /// Artifact id in the manifest; for a nested stack, the parent's id + `/` + logical id.
    pub artifact_id: String,
    /// CloudFormation stack name (`properties.stackName` or the artifact id); for a nested stack,
    /// the name is only known once deployed, so this is its construct id (the logical id of its
    /// resource when the template does not name the construct).
    pub stack_name: String,
    /// Construct path of the stack (e.g. `Prod/ConsumerStack`).
    pub path: String,
    pub environment: Environment,
    /// `properties.lookupRole`: the CDK bootstrap's read-only role of the stack's account.
    pub lookup_role: Option<LookupRole>,
    pub template_file: PathBuf,
    pub template: Template,
    /// For a nested stack: the index of the parent in `Assembly::stacks` and the logical id of
    /// the `AWS::CloudFormation::Stack` resource in the parent's template.
    pub nested_in: Option<(usize, String)>,
}

/// `properties.lookupRole` of a stack artifact: the role `cdk bootstrap` creates in the stack's
/// account for reading it (the CDK CLI's `diff` assumes it). Its `arn` may hold
/// `${AWS::Partition}`, which the caller's partition fills.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LookupRole {
    pub arn: String,
    /// Sent as ExternalId only when the manifest names one.
    #[serde(default, rename = "assumeRoleExternalId")]
    pub external_id: Option<String>,
    /// The bootstrap version the role's stack must have (a too old one may lack the role).
    #[serde(default, rename = "requiresBootstrapStackVersion")]
    pub requires_bootstrap_version: Option<u64>,
}

/// A construct tree node, flattened in depth-first order.
#[derive(Debug, Clone)]
pub struct TreeEntry {
    pub path: String,
    pub id: String,
    pub fqn: Option<String>,
    pub depth: usize,
    /// `attributes["aws:cdk:cloudformation:logicalId"]`, present in newer trees.
    pub logical_id: Option<String>,
    pub cfn_type: Option<String>,
}

/// Everything cdkx reads from `cdk.out`.
#[derive(Debug, Clone, Default)]
pub struct Assembly {
    pub dir: PathBuf,
    pub stacks: Vec<StackArtifact>,
    /// `(construct path, logical id)` from `aws:cdk:logicalId` metadata of the stack artifacts
    /// whose templates do not name every resource's construct path (the others' metadata files
    /// add nothing and are not read).
    pub logical_ids: Vec<(String, String)>,
    pub tree: Vec<TreeEntry>,
}

/// What to read.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Resources' `Properties` (describe and the access analysis use them; `list` does not).
    pub properties: bool,
    /// The app's construct nodes (`model::App::constructs`), which the resolver names constructs
    /// by. `list` names none and leaves them out; the tree is read all the same (it gives each
    /// resource its construct and type).
    pub constructs: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            properties: true,
            constructs: true,
        }
    }
}

impl ReadOptions {
    /// What `list` needs: the resources with their constructs' paths and types, no properties
    /// and no construct nodes.
    pub fn listing() -> ReadOptions {
        ReadOptions {
            properties: false,
            constructs: false,
        }
    }
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    artifacts: IndexMap<String, Artifact>,
}

#[derive(Deserialize)]
struct Artifact {
    #[serde(rename = "type")]
    kind: String,
    environment: Option<String>,
    #[serde(default)]
    properties: Option<ArtifactProperties>,
    #[serde(default)]
    metadata: Option<MetadataMap>,
    #[serde(rename = "additionalMetadataFile")]
    additional_metadata_file: Option<String>,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
}

#[derive(Deserialize, Default)]
struct ArtifactProperties {
    #[serde(rename = "templateFile")]
    template_file: Option<String>,
    #[serde(rename = "stackName")]
    stack_name: Option<String>,
    #[serde(rename = "directoryName")]
    directory_name: Option<String>,
    file: Option<String>,
    /// Kept as JSON: a malformed lookup role only means cdkx cannot use it, not a bad assembly.
    #[serde(rename = "lookupRole")]
    lookup_role: Option<Value>,
}

type MetadataMap = IndexMap<String, Vec<MetadataEntry>>;

#[derive(Deserialize)]
struct MetadataEntry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Option<Value>,
}

/// A metadata file's entries, their `data` left unparsed unless it is a logical id.
type RawMetadata<'a> = IndexMap<String, Vec<RawMetadataEntry<'a>>>;

#[derive(Deserialize)]
struct RawMetadataEntry<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct AssetManifest {
    #[serde(default)]
    files: IndexMap<String, AssetFile>,
}

#[derive(Deserialize)]
struct AssetFile {
    #[serde(default)]
    source: Option<AssetSource>,
    #[serde(default)]
    destinations: IndexMap<String, AssetDestination>,
}

#[derive(Deserialize)]
struct AssetSource {
    #[serde(default)]
    path: Option<String>,
}

#[derive(Deserialize)]
struct AssetDestination {
    #[serde(rename = "objectKey", default)]
    object_key: Option<String>,
}

/// A tree file's root node, left unparsed (the rare root that is itself a reference).
#[derive(Deserialize)]
struct RawTreeFile<'a> {
    #[serde(borrow)]
    tree: &'a RawValue,
}

/// A tree node as a plain structure: parsed only when [`flat_tree::parse_items`] fails, to name
/// the field that is wrong.
#[derive(Deserialize)]
#[allow(dead_code)]
struct TreeNode {
    id: String,
    #[serde(default)]
    path: Option<String>,
    /// The children in declaration order. Their keys repeat each child's `id` and are not kept:
    /// skipping them saves hashing and an allocation per node of a 60,000-node tree.
    #[serde(default, deserialize_with = "children_in_order")]
    children: Vec<TreeNode>,
    #[serde(default)]
    attributes: Option<TreeAttributes>,
    #[serde(rename = "constructInfo", default)]
    construct_info: Option<ConstructInfo>,
    #[serde(rename = "fileName", default)]
    file_name: Option<String>,
    #[serde(rename = "treeId", default)]
    tree_id: Option<String>,
}

/// A tree node's `children` object as its values in order (null reads as no children).
fn children_in_order<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<TreeNode>, D::Error> {
    struct Children;
    impl<'de> serde::de::Visitor<'de> for Children {
        type Value = Vec<TreeNode>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of child nodes")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_map(self)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
            while let Some((serde::de::IgnoredAny, node)) =
                map.next_entry::<serde::de::IgnoredAny, TreeNode>()?
            {
                out.push(node);
            }
            Ok(out)
        }
    }
    d.deserialize_option(Children)
}

/// A tree node whose children are left unparsed (slices of the file), so that each child can be
/// parsed on its own core, or skipped.
#[derive(Deserialize)]
struct ShallowNode<'a> {
    id: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default, borrow)]
    children: Option<IndexMap<String, &'a RawValue>>,
    #[serde(default)]
    attributes: Option<TreeAttributes>,
    #[serde(rename = "constructInfo", default)]
    construct_info: Option<ConstructInfo>,
    #[serde(rename = "fileName", default)]
    file_name: Option<String>,
}

#[derive(Deserialize)]
struct ShallowTreeFile<'a> {
    #[serde(borrow)]
    tree: ShallowNode<'a>,
}

/// The two attributes cdkx reads; the rest (notably the full `props`) is skipped unparsed.
#[derive(Deserialize)]
struct TreeAttributes {
    #[serde(rename = "aws:cdk:cloudformation:logicalId", default)]
    logical_id: Option<Value>,
    #[serde(rename = "aws:cdk:cloudformation:type", default)]
    cfn_type: Option<Value>,
}

#[derive(Deserialize)]
struct ConstructInfo {
    fqn: Option<String>,
}

fn entry(
    id: String,
    path: String,
    depth: usize,
    attrs: Option<TreeAttributes>,
    info: Option<ConstructInfo>,
) -> TreeEntry {
    let text = |v: Option<Value>| match v {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let (logical_id, cfn_type) = match attrs {
        Some(a) => (text(a.logical_id), text(a.cfn_type)),
        None => (None, None),
    };
    TreeEntry {
        id,
        path,
        fqn: info.and_then(|c| c.fqn),
        depth,
        logical_id,
        cfn_type,
    }
}

/// Reads the assembly at `dir` (the directory holding manifest.json), everything in it.
pub fn read(dir: &Path) -> Result<Assembly, AssemblyError> {
    read_with(dir, ReadOptions::default())
}

/// Reads the assembly at `dir` as `options` say.
pub fn read_with(dir: &Path, options: ReadOptions) -> Result<Assembly, AssemblyError> {
    let mut reader = Reader::new(dir, options);
    reader.plan_manifest(dir, 0)?;
    let all: Vec<usize> = (0..reader.plans.len()).collect();
    reader.read_stacks(&all, None)?;
    Ok(reader.out)
}

/// Reads only what resolving the construct path `query` needs when the manifest allows it: the
/// one top-level stack whose construct path `query` starts with (its nested stacks included) and
/// that stack's part of the tree. `None` when no stack's path is a prefix of `query`, or when a
/// stack's path is not known from the manifest alone: then the whole assembly is needed.
pub fn read_for_path(
    dir: &Path,
    query: &str,
    options: ReadOptions,
) -> Result<Option<Assembly>, AssemblyError> {
    let q = query.trim().trim_start_matches('/');
    let mut reader = Reader::new(dir, options);
    reader.plan_manifest(dir, 0)?;
    let mut best: Option<(usize, usize)> = None; // (plan, path length)
    let mut tie = false;
    for (i, plan) in reader.plans.iter().enumerate() {
        let Some(p) = plan.display_path.as_deref() else {
            return Ok(None);
        };
        let under =
            q == p || (q.len() > p.len() && q.starts_with(p) && q[p.len()..].starts_with('/'));
        if !under {
            continue;
        }
        match best {
            Some((_, len)) if len > p.len() => {}
            Some((_, len)) if len == p.len() => tie = true,
            _ => {
                best = Some((i, p.len()));
                tie = false;
            }
        }
    }
    let Some((chosen, _)) = best else {
        return Ok(None);
    };
    if tie {
        return Ok(None);
    }
    let path = reader.plans[chosen]
        .display_path
        .clone()
        .expect("checked above");
    reader.read_stacks(&[chosen], Some(&path))?;
    Ok(Some(reader.out))
}

/// A stack artifact of the manifest, before its files are read.
struct StackPlan {
    dir: PathBuf,
    manifest_path: PathBuf,
    artifact_id: String,
    stack_name: String,
    /// The construct path from `displayName`, when the manifest has one.
    display_path: Option<String>,
    environment: Environment,
    lookup_role: Option<LookupRole>,
    template_file: PathBuf,
    /// Logical ids from the artifact's inline metadata.
    inline_ids: Vec<(String, String)>,
    metadata_file: Option<PathBuf>,
    /// Legacy `aws:cdk:asset` metadata: (parameter name, asset path).
    legacy_assets: Vec<(String, String)>,
}

/// A tree file: its bytes, and its root's children as byte ranges of them.
struct TreeRoot {
    path: PathBuf,
    bytes: Vec<u8>,
    children: Vec<(String, std::ops::Range<usize>)>,
    /// Entries found while reading the root (the root itself, the way down to a stack).
    entries: Vec<TreeEntry>,
    /// Depth of the children in `children`.
    child_depth: usize,
}

/// One unit of work for the cores.
enum Job<'a> {
    Template(&'a Path),
    Metadata(&'a Path),
    TreeRoot(&'a Path),
    TreeChild(&'a TreeRoot, usize),
    /// A forest file of a split tree, read before the subtrees that refer to it are flattened.
    Forest(&'a Path),
    /// A subtree that refers to forest files, its references resolved once they are read: (the
    /// subtree's items, the tree file it is from).
    Flatten(&'a std::sync::Mutex<Option<Vec<Item>>>, &'a Path),
}

enum Done {
    Template(Result<Template, AssemblyError>),
    Metadata(Result<Vec<(String, String)>, AssemblyError>),
    TreeRoot(Result<TreeRoot, AssemblyError>),
    TreeChild(Result<Subtree, AssemblyError>),
    /// None when the file cannot be read or parsed: flattening reads it again and says why, in
    /// the order of the subtrees.
    Forest(Option<flat_tree::ForestItems>),
    Flatten(Result<Vec<TreeEntry>, AssemblyError>),
}

/// A child of a tree file's root: flattened, or parsed and waiting for the forest files it
/// refers to.
enum Subtree {
    Entries(Vec<TreeEntry>),
    Waiting {
        items: Vec<Item>,
        forests: Vec<PathBuf>,
    },
}

/// Forest files of split trees, read once, shared by the cores: by tree id, the items of each
/// entry not used yet.
#[derive(Default)]
struct Forests {
    files: std::sync::Mutex<HashMap<PathBuf, flat_tree::ForestItems>>,
}

fn read_forest(path: &Path, buf: &mut Vec<u8>) -> Result<flat_tree::ForestItems, AssemblyError> {
    read_file_into(path, buf)?;
    flat_tree::parse_forest(path, buf)
}

struct Reader {
    out: Assembly,
    options: ReadOptions,
    plans: Vec<StackPlan>,
    trees: Vec<PathBuf>,
    /// Nested cloud assemblies already planned (canonical paths): each is read once, however
    /// many artifacts name it.
    visited_dirs: HashSet<PathBuf>,
    /// Asset manifests declared in each directory.
    asset_manifests: HashMap<PathBuf, Vec<PathBuf>>,
    /// (needle, source path) per directory, read when a nested stack needs them.
    asset_sources: HashMap<PathBuf, Vec<(String, String)>>,
    templates: HashMap<PathBuf, Result<Template, AssemblyError>>,
    metadata: HashMap<PathBuf, Result<Vec<(String, String)>, AssemblyError>>,
    forests: Forests,
}

/// Stages nest assemblies; real apps stay shallow, a cycle or a hostile manifest must not recurse forever.
const MAX_ASSEMBLY_DEPTH: usize = 16;

/// A nested stack named by a parent template.
struct NestedRef {
    logical_id: String,
    file: PathBuf,
    /// The nested stack's construct path and name, when the template says.
    cdk_path: Option<String>,
}

impl Reader {
    fn new(dir: &Path, options: ReadOptions) -> Reader {
        Reader {
            out: Assembly {
                dir: dir.to_path_buf(),
                ..Default::default()
            },
            options,
            plans: Vec::new(),
            trees: Vec::new(),
            visited_dirs: HashSet::new(),
            asset_manifests: HashMap::new(),
            asset_sources: HashMap::new(),
            templates: HashMap::new(),
            metadata: HashMap::new(),
            forests: Forests::default(),
        }
    }

    /// Reads manifest.json (and nested assemblies' manifests) into plans: no template, metadata
    /// or tree file is opened yet.
    fn plan_manifest(&mut self, dir: &Path, depth: usize) -> Result<(), AssemblyError> {
        let manifest_path = dir.join("manifest.json");
        if depth > MAX_ASSEMBLY_DEPTH {
            return Err(AssemblyError::invalid(
                &manifest_path,
                "nested cloud assemblies go deeper than 16 levels (a cycle?)",
            ));
        }
        if !manifest_path.exists() {
            return Err(if depth == 0 {
                AssemblyError::NotFound {
                    path: dir.to_path_buf(),
                    reason: "it holds no manifest.json".into(),
                }
            } else {
                AssemblyError::invalid(&manifest_path, "nested cloud assembly has no manifest.json")
            });
        }
        // Several artifacts may name one nested assembly (or a symlink may lead back): read once.
        let key = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if !self.visited_dirs.insert(key) {
            return Ok(());
        }
        let manifest: Manifest = read_json(&manifest_path)?;
        let _ = manifest.version;
        for (id, artifact) in &manifest.artifacts {
            let field = |name: &str| format!("field `artifacts.{id}.{name}`");
            let props = artifact.properties.as_ref();
            match artifact.kind.as_str() {
                "aws:cloudformation:stack" => {
                    let template_name =
                        props.and_then(|p| p.template_file.clone()).ok_or_else(|| {
                            AssemblyError::invalid(
                                &manifest_path,
                                format!("{} is missing", field("properties.templateFile")),
                            )
                        })?;
                    let environment = match &artifact.environment {
                        None => Environment::default(),
                        Some(s) => Environment::parse(s).ok_or_else(|| {
                            AssemblyError::invalid(
                                &manifest_path,
                                format!(
                                    "{}: expected aws://ACCOUNT/REGION, found {s:?}",
                                    field("environment")
                                ),
                            )
                        })?,
                    };
                    let template_file = safe_join(dir, &template_name, &manifest_path)?;
                    let mut inline_ids = Vec::new();
                    let mut legacy_assets = Vec::new();
                    if let Some(meta) = &artifact.metadata {
                        collect_logical_ids(meta, &mut inline_ids);
                        collect_legacy_assets(meta, &mut legacy_assets);
                    }
                    let metadata_file = match &artifact.additional_metadata_file {
                        Some(file) => Some(safe_join(dir, file, &manifest_path)?),
                        None => None,
                    };
                    let display_path = artifact.display_name.as_deref().and_then(display_path);
                    self.plans.push(StackPlan {
                        dir: dir.to_path_buf(),
                        manifest_path: manifest_path.clone(),
                        artifact_id: id.clone(),
                        stack_name: props
                            .and_then(|p| p.stack_name.clone())
                            .unwrap_or_else(|| id.clone()),
                        display_path,
                        environment,
                        lookup_role: props
                            .and_then(|p| p.lookup_role.clone())
                            .and_then(|v| serde_json::from_value(v).ok()),
                        template_file,
                        inline_ids,
                        metadata_file,
                        legacy_assets,
                    });
                }
                "cdk:cloud-assembly" => {
                    let sub = props
                        .and_then(|p| p.directory_name.clone())
                        .ok_or_else(|| {
                            AssemblyError::invalid(
                                &manifest_path,
                                format!("{} is missing", field("properties.directoryName")),
                            )
                        })?;
                    let sub_dir = safe_join(dir, &sub, &manifest_path)?;
                    self.plan_manifest(&sub_dir, depth + 1)?;
                }
                "cdk:tree" => {
                    let file = props
                        .and_then(|p| p.file.clone())
                        .unwrap_or_else(|| "tree.json".to_string());
                    let path = safe_join(dir, &file, &manifest_path)?;
                    if !self.trees.contains(&path) {
                        self.trees.push(path);
                    }
                }
                "cdk:asset-manifest" => {
                    if let Some(file) = props.and_then(|p| p.file.as_deref()) {
                        let path = safe_join(dir, file, &manifest_path)?;
                        self.asset_manifests
                            .entry(dir.to_path_buf())
                            .or_default()
                            .push(path);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Reads the planned stacks `chosen` (their templates, nested stacks, the metadata they need)
    /// and the tree (only the part down to `only_path` and under it, when given), on every core.
    fn read_stacks(
        &mut self,
        chosen: &[usize],
        only_path: Option<&str>,
    ) -> Result<(), AssemblyError> {
        let forests = std::mem::take(&mut self.forests);
        let segments: Option<Vec<String>> =
            only_path.map(|p| p.split('/').map(str::to_string).collect());
        let ctx = JobContext {
            options: self.options,
            forests: &forests,
            segments: segments.as_deref(),
        };

        // Wave 1: each tree file's root (the biggest file first), and the stacks' templates.
        let mut top_files: Vec<(PathBuf, usize)> = Vec::new();
        let mut uses: HashMap<PathBuf, usize> = HashMap::new();
        for &i in chosen {
            let f = &self.plans[i].template_file;
            *uses.entry(f.clone()).or_default() += 1;
            if !top_files.iter().any(|(g, _)| g == f) {
                top_files.push((f.clone(), i));
            }
        }
        let trees = self.trees.clone();
        let mut jobs: Vec<Job> = trees.iter().map(|p| Job::TreeRoot(p)).collect();
        jobs.extend(top_files.iter().map(|(p, _)| Job::Template(p)));
        let mut roots = Vec::new();
        for (job, done) in jobs.iter().zip(run_jobs(&jobs, &ctx)) {
            match (job, done) {
                (_, Done::TreeRoot(r)) => roots.push(r),
                (Job::Template(p), Done::Template(t)) => {
                    self.templates.insert(p.to_path_buf(), t);
                }
                _ => unreachable!("a job's result has the job's kind"),
            }
        }

        // Waves 2..: nested stacks' templates, breadth first, each file once. Which stacks need
        // their metadata file is learnt on the way: those with a resource the templates do not
        // name the construct path of.
        let mut needs_metadata: HashSet<usize> = chosen
            .iter()
            .copied()
            .filter(|&i| self.plans[i].display_path.is_none())
            .collect();
        let mut frontier = top_files;
        while !frontier.is_empty() {
            let mut next: Vec<(PathBuf, usize)> = Vec::new();
            for (file, plan) in &frontier {
                let Some(Ok(t)) = self.templates.get(file) else {
                    continue;
                };
                if t.resources.values().any(|r| cdk_path_of(r).is_none()) {
                    needs_metadata.insert(*plan);
                }
                if needs_asset_sources(t) {
                    self.load_asset_sources(&self.plans[*plan].dir.clone());
                }
                let t = match self.templates.get(file) {
                    Some(Ok(t)) => t,
                    _ => continue,
                };
                // Errors (a name that climbs out) are reported in order when the stacks are built.
                for r in self
                    .nested_refs(&self.plans[*plan], t, file)
                    .unwrap_or_default()
                {
                    if !self.templates.contains_key(&r.file)
                        && !next.iter().any(|(f, _)| *f == r.file)
                    {
                        next.push((r.file, *plan));
                    }
                }
            }
            let jobs: Vec<Job> = next.iter().map(|(p, _)| Job::Template(p)).collect();
            for (job, done) in jobs.iter().zip(run_jobs(&jobs, &ctx)) {
                if let (Job::Template(p), Done::Template(t)) = (job, done) {
                    self.templates.insert(p.to_path_buf(), t);
                }
            }
            frontier = next;
        }

        // Last wave: the trees' subtrees, and the metadata files needed.
        let roots: Vec<TreeRoot> = roots.into_iter().collect::<Result<_, _>>()?;
        let mut meta_files: Vec<PathBuf> = Vec::new();
        for &i in chosen {
            if needs_metadata.contains(&i)
                && let Some(f) = &self.plans[i].metadata_file
                && !meta_files.contains(f)
            {
                meta_files.push(f.clone());
            }
        }
        let mut jobs: Vec<Job> = Vec::new();
        let mut child_of: Vec<(&TreeRoot, usize)> = Vec::new();
        for root in &roots {
            jobs.extend((0..root.children.len()).map(|i| Job::TreeChild(root, i)));
            child_of.extend((0..root.children.len()).map(|i| (root, i)));
        }
        jobs.extend(meta_files.iter().map(|p| Job::Metadata(p)));
        let mut subtrees = Vec::new();
        for (job, done) in jobs.iter().zip(run_jobs(&jobs, &ctx)) {
            match (job, done) {
                (Job::TreeChild(..), Done::TreeChild(entries)) => subtrees.push(entries),
                (Job::Metadata(p), Done::Metadata(m)) => {
                    self.metadata.insert(p.to_path_buf(), m);
                }
                _ => unreachable!("a job's result has the job's kind"),
            }
        }
        let subtrees = finish_subtrees(subtrees, &child_of, &ctx);
        // One allocation for the whole tree (a big one is tens of megabytes, moved once).
        let total: usize = roots.iter().map(|r| r.entries.len()).sum::<usize>()
            + subtrees
                .iter()
                .map(|s| s.as_ref().map_or(0, Vec::len))
                .sum::<usize>();
        self.out.tree.reserve(total);
        let mut subtrees = subtrees.into_iter();
        for root in roots {
            self.out.tree.extend(root.entries);
            for _ in 0..root.children.len() {
                self.out
                    .tree
                    .extend(subtrees.next().expect("one result per child")?);
            }
        }

        // The stacks, in the manifest's order, each followed by its nested stacks.
        for &i in chosen {
            let shared = uses.get(&self.plans[i].template_file).copied() > Some(1);
            self.build_stack(i, shared, needs_metadata.contains(&i))?;
        }
        Ok(())
    }

    fn build_stack(
        &mut self,
        plan_idx: usize,
        shared: bool,
        needs_metadata: bool,
    ) -> Result<(), AssemblyError> {
        let plan = &self.plans[plan_idx];
        let template_file = plan.template_file.clone();
        let template = match self.templates.remove(&template_file) {
            Some(Ok(t)) if shared => {
                let copy = t.clone();
                self.templates.insert(template_file.clone(), Ok(t));
                copy
            }
            Some(t) => t?,
            None => parse_template(
                &template_file,
                &read_file(&template_file)?,
                self.options.properties,
            )?,
        };
        let plan = &self.plans[plan_idx];
        let mut ids = plan.inline_ids.clone();
        if needs_metadata && let Some(file) = plan.metadata_file.clone() {
            let m = match self.metadata.remove(&file) {
                Some(m) => m?,
                None => read_metadata(&file, &mut Vec::new())?,
            };
            ids.extend(m);
        }
        let plan = &self.plans[plan_idx];
        let path = match &plan.display_path {
            Some(p) => p.clone(),
            None => stack_path(None, &plan.artifact_id, &ids),
        };
        let index = self.out.stacks.len();
        if index >= MAX_STACKS {
            return Err(too_many_stacks(&plan.manifest_path));
        }
        self.out.stacks.push(StackArtifact {
            artifact_id: plan.artifact_id.clone(),
            stack_name: plan.stack_name.clone(),
            path,
            environment: plan.environment.clone(),
            lookup_role: plan.lookup_role.clone(),
            template_file: template_file.clone(),
            template,
            nested_in: None,
        });
        let mut chain = vec![(template_file, String::new())];
        self.build_nested(index, plan_idx, &mut chain, &ids)?;
        self.out.logical_ids.extend(ids);
        Ok(())
    }

    /// Nested stacks are `AWS::CloudFormation::Stack` resources whose template is in the same
    /// directory: named by their `aws:asset:path`, or else found through the asset manifest (the
    /// `TemplateURL` holds the asset's object key). A template met again on the way down is a
    /// cycle, and an error that names it.
    fn build_nested(
        &mut self,
        parent: usize,
        plan_idx: usize,
        chain: &mut Vec<(PathBuf, String)>,
        ids: &[(String, String)],
    ) -> Result<(), AssemblyError> {
        let parent_file = self.out.stacks[parent].template_file.clone();
        if needs_asset_sources(&self.out.stacks[parent].template) {
            self.load_asset_sources(&self.plans[plan_idx].dir.clone());
        }
        let refs = self.nested_refs(
            &self.plans[plan_idx],
            &self.out.stacks[parent].template,
            &parent_file,
        )?;
        if !refs.is_empty() && chain.len() > MAX_ASSEMBLY_DEPTH {
            return Err(AssemblyError::invalid(
                &parent_file,
                "nested stacks go deeper than 16 levels",
            ));
        }
        for r in refs {
            if let Some(pos) = chain.iter().position(|(f, _)| *f == r.file) {
                return Err(cycle_error(&chain[pos..], &r));
            }
            if self.out.stacks.len() >= MAX_STACKS {
                return Err(too_many_stacks(&parent_file));
            }
            let template = match self.templates.get(&r.file) {
                Some(Ok(t)) => t.clone(),
                Some(Err(_)) => {
                    return Err(self
                        .templates
                        .remove(&r.file)
                        .expect("present")
                        .expect_err("an error"));
                }
                None => {
                    let t = parse_template(&r.file, &read_file(&r.file)?, self.options.properties)?;
                    self.templates.insert(r.file.clone(), Ok(t.clone()));
                    t
                }
            };
            let parent_stack = &self.out.stacks[parent];
            let from_template = r.cdk_path.as_deref().map(nested_stack_construct_path);
            let name = from_template
                .as_deref()
                .and_then(|p| p.rsplit('/').next())
                .filter(|n| !n.is_empty())
                .unwrap_or(&r.logical_id)
                .to_string();
            let path = from_template
                .or_else(|| nested_path_from_metadata(ids, &r.logical_id, &parent_stack.path))
                .unwrap_or_else(|| format!("{}/{}", parent_stack.path, r.logical_id));
            let index = self.out.stacks.len();
            self.out.stacks.push(StackArtifact {
                artifact_id: format!("{}/{}", parent_stack.artifact_id, r.logical_id),
                stack_name: name,
                path,
                environment: parent_stack.environment.clone(),
                lookup_role: parent_stack.lookup_role.clone(),
                template_file: r.file.clone(),
                template,
                nested_in: Some((parent, r.logical_id.clone())),
            });
            chain.push((r.file, r.logical_id));
            self.build_nested(index, plan_idx, chain, ids)?;
            chain.pop();
        }
        Ok(())
    }

    fn nested_refs(
        &self,
        plan: &StackPlan,
        template: &Template,
        template_file: &Path,
    ) -> Result<Vec<NestedRef>, AssemblyError> {
        let mut out = Vec::new();
        for (logical_id, res) in &template.resources {
            if res.cfn_type != NESTED_STACK_TYPE {
                continue;
            }
            let meta = res.metadata.as_ref();
            let file = match meta.and_then(|m| m.asset_path.as_deref()) {
                Some(asset) if asset.ends_with(".json") => {
                    safe_join(&plan.dir, asset, template_file)?
                }
                Some(_) => continue,
                None => match self.template_by_asset(plan, res) {
                    Some(f) => f,
                    None => continue,
                },
            };
            out.push(NestedRef {
                logical_id: logical_id.clone(),
                file,
                cdk_path: meta.and_then(|m| m.cdk_path.clone()),
            });
        }
        Ok(out)
    }

    /// The nested template a stack resource without `aws:asset:path` stands for: the asset whose
    /// object key (or legacy asset parameter) its `TemplateURL` names.
    fn template_by_asset(&self, plan: &StackPlan, res: &TemplateResource) -> Option<PathBuf> {
        let url = res.properties.as_ref()?.get("TemplateURL")?;
        let url = serde_json::to_string(url).ok()?;
        let sources = self.asset_sources.get(&plan.dir);
        sources
            .into_iter()
            .flatten()
            .chain(&plan.legacy_assets)
            .filter(|(needle, src)| {
                !needle.is_empty()
                    && src.ends_with(".nested.template.json")
                    && url.contains(needle.as_str())
            })
            .find_map(|(_, src)| {
                let f = safe_join(&plan.dir, src, &plan.manifest_path).ok()?;
                f.exists().then_some(f)
            })
    }

    /// Reads the directory's asset manifests (object key → source file) once. They only help to
    /// find nested templates, so one that cannot be read is passed over.
    fn load_asset_sources(&mut self, dir: &Path) {
        if self.asset_sources.contains_key(dir) {
            return;
        }
        let mut files = self.asset_manifests.get(dir).cloned().unwrap_or_default();
        files.sort();
        let mut out = Vec::new();
        for f in files {
            let Ok(m) = read_json::<AssetManifest>(&f) else {
                continue;
            };
            for file in m.files.into_values() {
                let Some(src) = file.source.and_then(|s| s.path) else {
                    continue;
                };
                for d in file.destinations.into_values() {
                    if let Some(key) = d.object_key {
                        out.push((key, src.clone()));
                    }
                }
            }
        }
        self.asset_sources.insert(dir.to_path_buf(), out);
    }
}

fn cdk_path_of(r: &TemplateResource) -> Option<&str> {
    r.metadata.as_ref().and_then(|m| m.cdk_path.as_deref())
}

/// Whether a template has a nested stack resource that only the asset manifest can name.
fn needs_asset_sources(t: &Template) -> bool {
    t.resources.values().any(|r| {
        r.cfn_type == NESTED_STACK_TYPE
            && r.metadata
                .as_ref()
                .and_then(|m| m.asset_path.as_ref())
                .is_none()
    })
}

/// A nested stack's construct path from the manifest's logical-id metadata: the
/// `P/N.NestedStack/N.NestedStackResource` path of its resource, under the parent's path.
fn nested_path_from_metadata(
    ids: &[(String, String)],
    logical_id: &str,
    parent_path: &str,
) -> Option<String> {
    ids.iter()
        .filter(|(p, l)| l == logical_id && p.ends_with(".NestedStackResource"))
        .map(|(p, _)| nested_stack_construct_path(p))
        .find(|p| {
            !p.ends_with(".NestedStackResource")
                && p.len() > parent_path.len()
                && p.starts_with(parent_path)
                && p[parent_path.len()..].starts_with('/')
        })
}

fn cycle_error(chain: &[(PathBuf, String)], last: &NestedRef) -> AssemblyError {
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.display().to_string())
    };
    let mut parts = Vec::new();
    for (k, (file, _)) in chain.iter().enumerate() {
        let by = chain.get(k + 1).map_or(&last.logical_id, |(_, l)| l);
        parts.push(format!("{} (resource {by})", name(file)));
    }
    parts.push(name(&last.file));
    AssemblyError::invalid(
        &chain.last().expect("a chain has its first template").0,
        format!("nested stacks form a cycle: {}", parts.join(" → ")),
    )
}

fn too_many_stacks(path: &Path) -> AssemblyError {
    AssemblyError::invalid(
        path,
        format!(
            "the assembly describes more than {MAX_STACKS} stacks (nested stacks naming the same templates over and over?)"
        ),
    )
}

/// `displayName` is the stack's node path, with ` (stackName)` added when CDK names the stack
/// differently.
fn display_path(d: &str) -> Option<String> {
    let d = match d.rfind(" (") {
        Some(i) if d.ends_with(')') => &d[..i],
        _ => d,
    };
    (!d.is_empty()).then(|| d.to_string())
}

struct JobContext<'a> {
    options: ReadOptions,
    forests: &'a Forests,
    segments: Option<&'a [String]>,
}

/// Runs the jobs on every core (in order of the list, each as soon as a core is free) and returns
/// their results in the same order. Each core reads files into one buffer it keeps.
fn run_jobs(jobs: &[Job], ctx: &JobContext) -> Vec<Done> {
    let run = |job: &Job, buf: &mut Vec<u8>| match job {
        Job::Template(p) => Done::Template(
            read_file_into(p, buf).and_then(|()| parse_template(p, buf, ctx.options.properties)),
        ),
        Job::Metadata(p) => Done::Metadata(read_metadata(p, buf)),
        Job::TreeRoot(p) => Done::TreeRoot(tree_root(p, ctx.segments, ctx.forests)),
        Job::TreeChild(root, i) => Done::TreeChild(tree_child(root, *i, ctx.forests)),
        Job::Forest(p) => Done::Forest(read_forest(p, buf).ok()),
        Job::Flatten(items, file) => {
            let items = items
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .expect("each subtree is flattened once");
            let mut out = Vec::new();
            Done::Flatten(expand(items, file, ctx.forests, &mut out).map(|()| out))
        }
    };
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(jobs.len());
    if threads < 2 {
        let mut buf = Vec::new();
        return jobs.iter().map(|j| run(j, &mut buf)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Done>>> =
        jobs.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let work = || {
        let mut buf = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(job) = jobs.get(i) else { break };
            let done = run(job, &mut buf);
            *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(done);
        }
    };
    // The calling thread is one of the workers (a thread fewer to start on every round).
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        work();
    });
    slots
        .into_iter()
        .map(|s| {
            s.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every job ran")
        })
        .collect()
}

fn read_metadata(path: &Path, buf: &mut Vec<u8>) -> Result<Vec<(String, String)>, AssemblyError> {
    read_file_into(path, buf)?;
    let meta: RawMetadata = parse_json(path, buf)?;
    let mut out = Vec::new();
    for (p, entries) in meta {
        for e in entries {
            if e.kind == "aws:cdk:logicalId"
                && let Some(data) = e.data
                && let Ok(id) = serde_json::from_str::<String>(data.get())
            {
                out.push((p.trim_start_matches('/').to_string(), id));
            }
        }
    }
    Ok(out)
}

/// The byte range of `raw` (a slice of `base`) in `base`.
fn range_in(base: &[u8], raw: &RawValue) -> std::ops::Range<usize> {
    let start = raw.get().as_ptr() as usize - base.as_ptr() as usize;
    start..start + raw.get().len()
}

/// Reads a tree file's root, leaving its children unparsed (each is parsed on its own). With
/// `segments` (a stack's construct path), only the way down to that stack is read: the one
/// subtree left is the stack's.
fn tree_root(
    path: &Path,
    segments: Option<&[String]>,
    forests: &Forests,
) -> Result<TreeRoot, AssemblyError> {
    let bytes = read_file(path)?;
    let mut entries = Vec::new();
    let mut children = Vec::new();
    let mut child_depth = 1;
    {
        let file: ShallowTreeFile = parse_json(path, &bytes)?;
        let root = file.tree;
        if root.file_name.is_some() {
            // The root itself in a forest file: rare enough to read in one piece.
            let raw: RawTreeFile = parse_json(path, &bytes)?;
            let mut items = Vec::new();
            flat_tree::parse_items(
                path,
                &bytes[range_in(&bytes, raw.tree)],
                "tree",
                0,
                &mut items,
            )?;
            expand(items, path, forests, &mut entries)?;
            return Ok(TreeRoot {
                path: path.to_path_buf(),
                bytes: Vec::new(),
                children,
                entries,
                child_depth,
            });
        }
        if let Some(root_path) = root.path.filter(|p| !p.is_empty() && p != "Tree") {
            entries.push(entry(
                root.id,
                root_path,
                0,
                root.attributes,
                root.construct_info,
            ));
        }
        let mut at = "tree".to_string();
        let mut level = root.children;
        match segments {
            None => {
                for (key, raw) in level.into_iter().flatten() {
                    children.push((format!("{at}.children.{key}"), range_in(&bytes, raw)));
                }
            }
            Some(segs) => {
                for (k, seg) in segs.iter().enumerate() {
                    let Some(raw) = level.as_ref().and_then(|c| c.get(seg.as_str())).copied()
                    else {
                        break;
                    };
                    let child_at = format!("{at}.children.{seg}");
                    let range = range_in(&bytes, raw);
                    if k + 1 == segs.len() {
                        children.push((child_at, range));
                        break;
                    }
                    let node: ShallowNode = parse_at(path, &bytes[range.clone()], &child_at)?;
                    if node.file_name.is_some() {
                        // A reference on the way down: that whole subtree, the plain way.
                        children.push((child_at, range));
                        break;
                    }
                    if let Some(p) = node.path.filter(|p| !p.is_empty() && p != "Tree") {
                        entries.push(entry(
                            node.id,
                            p,
                            child_depth - 1,
                            node.attributes,
                            node.construct_info,
                        ));
                    }
                    level = node.children;
                    at = child_at;
                    child_depth += 1;
                }
            }
        }
    }
    Ok(TreeRoot {
        path: path.to_path_buf(),
        bytes,
        children,
        entries,
        child_depth,
    })
}

/// Parses a child of a tree file's root into its entries, unless it refers to forest files that
/// are not read yet: then it waits for them (see [`finish_subtrees`]).
fn tree_child(root: &TreeRoot, i: usize, forests: &Forests) -> Result<Subtree, AssemblyError> {
    let (at, range) = &root.children[i];
    let mut items = Vec::new();
    flat_tree::parse_items(
        &root.path,
        &root.bytes[range.clone()],
        at,
        root.child_depth,
        &mut items,
    )?;
    let wanted = forest_files(&items, &root.path);
    let missing: Vec<PathBuf> = {
        let files = forests.files.lock().unwrap_or_else(|e| e.into_inner());
        wanted
            .into_iter()
            .filter(|f| !files.contains_key(f))
            .collect()
    };
    if !missing.is_empty() {
        return Ok(Subtree::Waiting {
            items,
            forests: missing,
        });
    }
    let mut out = Vec::new();
    expand(items, &root.path, forests, &mut out)?;
    Ok(Subtree::Entries(out))
}

/// The forest files a subtree's references name (each once, in the order met). A name that
/// climbs out of the assembly is left out here: expanding refuses it, in order.
fn forest_files(items: &[Item], file: &Path) -> Vec<PathBuf> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut names: Vec<&str> = Vec::new();
    for item in items {
        if let Item::Ref(r) = item
            && !names.contains(&r.file.as_str())
        {
            names.push(&r.file);
        }
    }
    let mut out: Vec<PathBuf> = Vec::new();
    for name in names {
        if let Ok(p) = safe_join(dir, name, file)
            && !out.contains(&p)
        {
            out.push(p);
        }
    }
    out
}

/// Turns the tree's children into their entries. Split trees (CDK writes a big tree as
/// `tree.json` referring to forest files) are read in two more rounds on every core: the forest
/// files the subtrees refer to, each once, then the subtrees that waited for them. (Reading a
/// forest file on first use, under the lock that shares them, would leave the other cores
/// waiting for it.) Results stay in the children's order, errors included.
fn finish_subtrees(
    subtrees: Vec<Result<Subtree, AssemblyError>>,
    child_of: &[(&TreeRoot, usize)],
    ctx: &JobContext,
) -> Vec<Result<Vec<TreeEntry>, AssemblyError>> {
    let mut files: Vec<PathBuf> = Vec::new();
    for s in &subtrees {
        if let Ok(Subtree::Waiting { forests, .. }) = s {
            for f in forests {
                if !files.contains(f) {
                    files.push(f.clone());
                }
            }
        }
    }
    if files.is_empty() {
        return subtrees
            .into_iter()
            .map(|s| {
                s.map(|s| match s {
                    Subtree::Entries(e) => e,
                    Subtree::Waiting { .. } => unreachable!("no subtree waits"),
                })
            })
            .collect();
    }
    let jobs: Vec<Job> = files.iter().map(|p| Job::Forest(p)).collect();
    {
        let mut loaded = ctx.forests.files.lock().unwrap_or_else(|e| e.into_inner());
        for (f, done) in files.iter().zip(run_jobs(&jobs, ctx)) {
            if let Done::Forest(Some(forest)) = done {
                loaded.entry(f.clone()).or_insert(forest);
            }
        }
    }
    // The subtrees that waited, expanded on every core; the others are done.
    let waiting: Vec<(std::sync::Mutex<Option<Vec<Item>>>, &Path)> = subtrees
        .iter()
        .zip(child_of)
        .filter(|(s, _)| matches!(s, Ok(Subtree::Waiting { .. })))
        .map(|(_, (root, _))| (std::sync::Mutex::new(None), root.path.as_path()))
        .collect();
    let mut slots = waiting.iter();
    let mut out: Vec<Option<Result<Vec<TreeEntry>, AssemblyError>>> = Vec::new();
    for s in subtrees {
        match s {
            Ok(Subtree::Waiting { items, .. }) => {
                let (slot, _) = slots.next().expect("one slot per waiting subtree");
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(items);
                out.push(None);
            }
            Ok(Subtree::Entries(e)) => out.push(Some(Ok(e))),
            Err(e) => out.push(Some(Err(e))),
        }
    }
    let jobs: Vec<Job> = waiting
        .iter()
        .map(|(items, file)| Job::Flatten(items, file))
        .collect();
    let mut flattened = run_jobs(&jobs, ctx).into_iter();
    out.into_iter()
        .map(|o| match o {
            Some(done) => done,
            None => match flattened.next() {
                Some(Done::Flatten(r)) => r,
                _ => unreachable!("one flattened subtree per waiting one"),
            },
        })
        .collect()
}

/// Appends the entries of `items` (parsed from the tree file `file`) in order, each reference
/// replaced by the entries of the forest entry it names (which may refer on).
fn expand(
    items: Vec<Item>,
    file: &Path,
    forests: &Forests,
    out: &mut Vec<TreeEntry>,
) -> Result<(), AssemblyError> {
    let dir = file.parent().unwrap_or(Path::new("."));
    out.reserve(items.len());
    // (items, the file they are from, the depth their root is used at). Each reference resolved
    // takes a forest entry for good, so the stack is bounded by them.
    let mut stack: Vec<(std::vec::IntoIter<Item>, std::sync::Arc<Path>, usize)> =
        vec![(items.into_iter(), std::sync::Arc::from(file), 0)];
    while let Some((iter, from, offset)) = stack.last_mut() {
        let offset = *offset;
        match iter.next() {
            None => {
                stack.pop();
            }
            Some(Item::Entry(mut e)) => {
                e.depth = (e.depth + offset).saturating_sub(1);
                out.push(e);
            }
            Some(Item::Skip | Item::Pathless(_)) => {}
            Some(Item::Ref(mut r)) => {
                r.depth += offset;
                let depth = r.depth;
                let from = from.clone();
                let (items, from) = resolve_reference(r, dir, from, forests)?;
                out.reserve(items.len());
                stack.push((items.into_iter(), from, depth));
            }
        }
    }
    Ok(())
}

/// A split tree's node `{id, path, fileName, treeId}` stands for `forest[treeId]` in `fileName`:
/// the items of that entry (its root with the node's path when it has none), to be used at the
/// node's depth, and the file they are from. Each forest entry is used once: a second reference
/// to it is an error, as is a chain of more than 64 references.
fn resolve_reference(
    mut r: Reference,
    dir: &Path,
    mut from: std::sync::Arc<Path>,
    forests: &Forests,
) -> Result<(Vec<Item>, std::sync::Arc<Path>), AssemblyError> {
    let mut hops = 0;
    loop {
        hops += 1;
        if hops > 64 {
            return Err(AssemblyError::invalid(
                &from,
                "tree references loop (fileName/treeId)",
            ));
        }
        let forest_path = safe_join(dir, &r.file, &from)?;
        let target = {
            let mut files = forests.files.lock().unwrap_or_else(|e| e.into_inner());
            if !files.contains_key(&forest_path) {
                let forest = read_forest(&forest_path, &mut Vec::new())?;
                files.insert(forest_path.clone(), forest);
            }
            files
                .get_mut(&forest_path)
                .expect("inserted above")
                .remove(&r.tree_id)
        };
        let Some(mut items) = target else {
            return Err(AssemblyError::invalid(
                &forest_path,
                format!(
                    "field `forest.{}` is missing (referenced by node {:?} in {})",
                    r.tree_id,
                    r.path.as_deref().unwrap_or(&r.id),
                    from.display()
                ),
            ));
        };
        from = std::sync::Arc::from(forest_path.as_path());
        match items.first_mut() {
            // The entry itself a reference: follow the chain, at the same depth.
            Some(Item::Ref(next)) => {
                let next_path = next.path.take().or(r.path.take());
                let depth = r.depth;
                let Some(Item::Ref(next)) = items.pop() else {
                    unreachable!("checked above")
                };
                r = Reference {
                    path: next_path,
                    depth,
                    ..next
                };
                continue;
            }
            // A root without a path takes the node's (and is no entry when neither has one).
            Some(root @ Item::Pathless(_)) => {
                let Item::Pathless(mut e) = std::mem::replace(root, Item::Skip) else {
                    unreachable!("matched above")
                };
                if let Some(p) = r.path.take().filter(|p| !p.is_empty() && p != "Tree") {
                    e.path = p;
                    *root = Item::Entry(e);
                }
            }
            _ => {}
        }
        return Ok((items, from));
    }
}

/// Joins a file name from the assembly to its directory, refusing names that climb out of it.
fn safe_join(dir: &Path, name: &str, named_in: &Path) -> Result<PathBuf, AssemblyError> {
    let p = Path::new(name);
    let climbs = p.components().any(|c| {
        !matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    });
    if name.is_empty() || climbs {
        return Err(AssemblyError::invalid(
            named_in,
            format!("file name {name:?} must be a relative path inside the assembly"),
        ));
    }
    Ok(dir.join(p))
}

fn collect_logical_ids(meta: &MetadataMap, out: &mut Vec<(String, String)>) {
    for (path, entries) in meta {
        for entry in entries {
            if entry.kind == "aws:cdk:logicalId"
                && let Some(Value::String(id)) = &entry.data
            {
                out.push((path.trim_start_matches('/').to_string(), id.clone()));
            }
        }
    }
}

/// Legacy (CDK v1) assets: `aws:cdk:asset` metadata naming the parameters that carry an asset's
/// S3 key, and its file.
fn collect_legacy_assets(meta: &MetadataMap, out: &mut Vec<(String, String)>) {
    for entry in meta.values().flatten() {
        if entry.kind != "aws:cdk:asset" {
            continue;
        }
        let Some(Value::Object(d)) = &entry.data else {
            continue;
        };
        let Some(path) = d.get("path").and_then(Value::as_str) else {
            continue;
        };
        for k in ["s3KeyParameter", "s3BucketParameter"] {
            if let Some(p) = d.get(k).and_then(Value::as_str) {
                out.push((p.to_string(), path.to_string()));
            }
        }
    }
}

/// A stack's construct path: the display name (its node path, minus a ` (stackName)` suffix when
/// CDK adds one), else the common first segments of its metadata paths, else the artifact id.
fn stack_path(
    display_name: Option<&str>,
    artifact_id: &str,
    metadata: &[(String, String)],
) -> String {
    if let Some(d) = display_name.and_then(display_path) {
        return d;
    }
    if let Some((first, _)) = metadata.first() {
        // Paths in a stack's metadata start with the stack's path: the longest prefix they share.
        let mut prefix: Vec<&str> = first.split('/').collect();
        prefix.pop();
        for (p, _) in metadata {
            let segs: Vec<&str> = p.split('/').collect();
            let common = prefix.iter().zip(&segs).take_while(|(a, b)| a == b).count();
            prefix.truncate(common);
        }
        if !prefix.is_empty() {
            return prefix.join("/");
        }
    }
    artifact_id.to_string()
}

/// `P/N.NestedStack/N.NestedStackResource` is how CDK names a nested stack's resource in its
/// parent; the nested stack construct itself is `P/N`.
pub fn nested_stack_construct_path(cdk_path: &str) -> String {
    if let Some((head, last)) = cdk_path.rsplit_once('/')
        && last.ends_with(".NestedStackResource")
        && let Some(stripped) = head.strip_suffix(".NestedStack")
    {
        return stripped.to_string();
    }
    cdk_path.to_string()
}

#[cfg(test)]
mod tests {
    /// A split tree read on every core gives the entries of the same tree unsplit, in the same
    /// order: children sharing a forest file, a forest node referring on to another forest file,
    /// and a broken forest file is an error that names it.
    #[test]
    fn split_trees_read_like_whole_ones() {
        use serde_json::json;
        let node = |id: &str, path: &str, children: serde_json::Value| {
            json!({"id": id, "path": path, "constructInfo": {"fqn": format!("x.{id}")},
                   "children": children})
        };
        let leaf = |id: &str, path: &str| node(id, path, json!({}));
        let stack = |s: &str| {
            node(
                s,
                s,
                json!({
                    "A": node("A", &format!("{s}/A"), json!({"Resource": leaf("Resource", &format!("{s}/A/Resource"))})),
                    "B": leaf("B", &format!("{s}/B")),
                }),
            )
        };
        let write =
            |dir: &Path, tree: &serde_json::Value, forests: &[(&str, serde_json::Value)]| {
                let manifest = json!({"version": "36.0.0", "artifacts": {
                "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}});
                fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
                fs::write(
                    dir.join("tree.json"),
                    json!({"version": "tree-0.1", "tree": tree}).to_string(),
                )
                .unwrap();
                for (name, forest) in forests {
                    fs::write(
                        dir.join(name),
                        json!({"version": "forest-0.1", "forest": forest}).to_string(),
                    )
                    .unwrap();
                }
            };
        let stacks = ["S1", "S2", "S3", "S4"];
        let whole = tempfile::tempdir().unwrap();
        let children: serde_json::Map<String, serde_json::Value> =
            stacks.iter().map(|s| (s.to_string(), stack(s))).collect();
        write(whole.path(), &node("App", "", children.into()), &[]);

        // S1 and S2 in trees-1.json, S3 in trees-2.json; S4's B through trees-2 then trees-3.
        let split = tempfile::tempdir().unwrap();
        let r = |s: &str, file: &str, id: &str| json!({"id": s, "path": s, "fileName": file, "treeId": id});
        let mut s4 = stack("S4");
        s4["children"]["B"] =
            json!({"id": "B", "path": "S4/B", "fileName": "trees-2.json", "treeId": "s4b"});
        let tree = node(
            "App",
            "",
            json!({
                "S1": r("S1", "trees-1.json", "t1"), "S2": r("S2", "trees-1.json", "t2"),
                "S3": r("S3", "trees-2.json", "t3"), "S4": s4,
            }),
        );
        let forests = [
            (
                "trees-1.json",
                json!({"t1": stack("S1"), "t2": stack("S2")}),
            ),
            (
                "trees-2.json",
                json!({"t3": stack("S3"),
                "s4b": {"id": "B", "path": "S4/B", "fileName": "trees-3.json", "treeId": "b"}}),
            ),
            ("trees-3.json", json!({"b": leaf("B", "S4/B")})),
        ];
        write(split.path(), &tree, &forests);
        let entries = |dir: &Path| -> Vec<(String, String, Option<String>, usize)> {
            read(dir)
                .unwrap()
                .tree
                .into_iter()
                .map(|t| (t.path, t.id, t.fqn, t.depth))
                .collect()
        };
        let expected = entries(whole.path());
        assert_eq!(expected.len(), 4 * 4);
        assert_eq!(entries(split.path()), expected);

        fs::write(split.path().join("trees-2.json"), "{\"forest\": [").unwrap();
        let err = read(split.path()).unwrap_err().to_string();
        assert!(
            err.contains("trees-2.json") && err.contains("field `forest`"),
            "{err}"
        );
    }

    /// References in split trees: a forest entry without a path takes the referring node's, an
    /// entry is used once, and a chain of references is followed at most 64 hops.
    #[test]
    fn split_tree_references_are_bounded_and_used_once() {
        use serde_json::json;
        let dir = tempfile::tempdir().unwrap();
        let write = |tree: serde_json::Value, forest: serde_json::Value| {
            let manifest = json!({"version": "36.0.0", "artifacts": {
                "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}});
            fs::write(dir.path().join("manifest.json"), manifest.to_string()).unwrap();
            let tree =
                json!({"version": "tree-0.1", "tree": {"id": "App", "path": "", "children": tree}});
            fs::write(dir.path().join("tree.json"), tree.to_string()).unwrap();
            let forest = json!({"version": "forest-0.1", "forest": forest});
            fs::write(dir.path().join("trees-1.json"), forest.to_string()).unwrap();
        };
        let r = |id: &str, tree_id: &str| json!({"id": id, "path": id, "fileName": "trees-1.json", "treeId": tree_id});
        // No path in the entry: the node's; its child one level down.
        write(
            json!({"S": r("S", "t1")}),
            json!({"t1": {"id": "S", "children": {"Q": {"id": "Q", "path": "S/Q"}}}}),
        );
        let got: Vec<(String, usize)> = read(dir.path())
            .unwrap()
            .tree
            .into_iter()
            .map(|t| (t.path, t.depth))
            .collect();
        assert_eq!(got, [("S".to_string(), 0), ("S/Q".to_string(), 1)]);
        // Two nodes naming one entry: the second is an error that names the entry.
        write(
            json!({"S": r("S", "t1"), "T": r("T", "t1")}),
            json!({"t1": {"id": "S", "path": "S"}}),
        );
        let err = read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("field `forest.t1` is missing"), "{err}");
        // A chain of 70 entries, each naming the next.
        let chain: serde_json::Map<String, serde_json::Value> = (0..70)
            .map(|i| (format!("c{i}"), r("S", &format!("c{}", i + 1))))
            .collect();
        write(json!({"S": r("S", "c0")}), chain.into());
        let err = read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("tree references loop"), "{err}");
        // A broken node in a forest names its field.
        write(
            json!({"S": r("S", "t1")}),
            json!({"t1": {"id": "S", "path": "S", "children": {"Q": {"id": ["Q"]}}}}),
        );
        let err = read(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("trees-1.json") && err.contains("field `forest.t1.children.Q.id`"),
            "{err}"
        );
    }

    #[test]
    fn files_parsed_ahead_fail_only_when_the_manifest_needs_them() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iam-api/cdk.out");
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "manifest.json",
            "tree.json",
            "IamApigatewayLambdaStack.template.json",
        ] {
            fs::copy(src.join(f), dir.path().join(f)).unwrap();
        }
        fs::copy(
            src.join("IamApigatewayLambdaStack.metadata.json"),
            dir.path().join("IamApigatewayLambdaStack.metadata.json"),
        )
        .unwrap();
        // A stale template nobody names is not read: its broken content does not matter.
        fs::write(dir.path().join("Old.template.json"), "{ not json").unwrap();
        let asm = read(dir.path()).expect("the stale file is not needed");
        assert_eq!(asm.stacks.len(), 1);
        assert!(!asm.stacks[0].template.resources.is_empty());
        // The stack's own template broken: the error names it, as reading it in order would.
        let t = dir.path().join("IamApigatewayLambdaStack.template.json");
        fs::write(&t, "{\"Resources\": [").unwrap();
        let err = read(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("IamApigatewayLambdaStack.template.json"),
            "{err}"
        );
    }

    use super::*;

    #[test]
    fn stacks_carry_their_lookup_role() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/multi-stack/cdk.out");
        let asm = read(&dir).unwrap();
        let consumer = asm
            .stacks
            .iter()
            .find(|s| s.stack_name == "multi-consumer")
            .unwrap();
        let role = consumer.lookup_role.as_ref().unwrap();
        assert_eq!(
            role.arn,
            "arn:${AWS::Partition}:iam::222222222222:role/cdk-hnb659fds-lookup-role-222222222222-us-east-1"
        );
        assert_eq!(role.external_id, None);
        assert_eq!(role.requires_bootstrap_version, Some(8));
        // A nested stack reads its account through its parent's role.
        let nested = asm.stacks.iter().find(|s| s.nested_in.is_some()).unwrap();
        let parent = &asm.stacks[nested.nested_in.as_ref().unwrap().0];
        assert_eq!(nested.lookup_role, parent.lookup_role);
    }

    #[test]
    fn environment_parses_known_and_unknown_parts() {
        assert_eq!(
            Environment::parse("aws://123456789012/us-east-1"),
            Some(Environment {
                account: Some("123456789012".into()),
                region: Some("us-east-1".into())
            })
        );
        assert_eq!(
            Environment::parse("aws://unknown-account/unknown-region"),
            Some(Environment::default())
        );
        assert_eq!(Environment::parse("123/us-east-1"), None);
        assert_eq!(Environment::parse("aws://123"), None);
    }

    #[test]
    fn nested_stack_paths_are_shortened_to_the_construct() {
        assert_eq!(
            nested_stack_construct_path("Parent/Data.NestedStack/Data.NestedStackResource"),
            "Parent/Data"
        );
        assert_eq!(
            nested_stack_construct_path("Parent/Other/Resource"),
            "Parent/Other/Resource"
        );
    }

    #[test]
    fn stack_path_prefers_display_name_without_stack_name_suffix() {
        assert_eq!(
            stack_path(Some("Prod/Consumer (Prod-Consumer)"), "x", &[]),
            "Prod/Consumer"
        );
        assert_eq!(stack_path(Some("Shared"), "x", &[]), "Shared");
        let meta = vec![
            ("Stage/S/a/Resource".to_string(), "A".to_string()),
            ("Stage/S/b".to_string(), "B".to_string()),
        ];
        assert_eq!(stack_path(None, "x", &meta), "Stage/S");
        assert_eq!(stack_path(None, "art", &[]), "art");
    }

    #[test]
    fn safe_join_refuses_escapes() {
        let d = Path::new("/tmp/a");
        assert!(safe_join(d, "../etc/passwd", d).is_err());
        assert!(safe_join(d, "/etc/passwd", d).is_err());
        assert!(safe_join(d, "", d).is_err());
        assert_eq!(
            safe_join(d, "x.json", d).unwrap(),
            PathBuf::from("/tmp/a/x.json")
        );
    }
}
