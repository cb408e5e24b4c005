//! Reads a CDK cloud assembly (`cdk.out`) into plain data: stack artifacts (including the stacks of
//! CDK Stages and nested stacks), their templates, logical-id metadata and the construct tree.
//! Pure: no network, no terminal. Every error names the file, and the field where it is known.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

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
            if cwd.join("cdk.json").is_file() {
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
    if cdk_json.is_file() {
        let output = read_cdk_json_output(&cdk_json)?;
        let dir = given.join(output);
        if !dir.join("manifest.json").is_file() {
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
    if !given.join("manifest.json").is_file() {
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

/// Reads and deserializes a JSON file; a type error names the field path (e.g. `artifacts.X.type`).
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, AssemblyError> {
    let bytes = fs::read(path).map_err(|source| AssemblyError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_json(path, &bytes)
}

pub(crate) fn parse_json<T: DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
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
        Some(_) => {
            return Err(AssemblyError::invalid(
                path,
                "unexpected content: expected a JSON object",
            ));
        }
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let message = if inner.is_syntax() || inner.is_eof() {
            format!("invalid JSON: {inner}")
        } else if field.is_empty() || field == "." {
            format!("unexpected content: {inner}")
        } else {
            format!("field `{field}`: {inner}")
        };
        AssemblyError::invalid(path, message)
    })
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
#[derive(Debug, Clone, Deserialize)]
pub struct TemplateResource {
    #[serde(rename = "Type")]
    pub cfn_type: String,
    #[serde(rename = "Properties", default)]
    pub properties: Option<Value>,
    #[serde(rename = "Metadata", default)]
    pub metadata: Option<ResourceMetadata>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResourceMetadata {
    #[serde(rename = "aws:cdk:path")]
    pub cdk_path: Option<String>,
    #[serde(rename = "aws:asset:path")]
    pub asset_path: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Template {
    #[serde(rename = "Resources", default)]
    pub resources: IndexMap<String, TemplateResource>,
    #[serde(rename = "Outputs", default)]
    pub outputs: IndexMap<String, Value>,
}

/// A stack as the assembly describes it: a top-level stack artifact, or a nested stack found
/// through its parent's template.
#[derive(Debug, Clone)]
pub struct StackArtifact {
    /// Artifact id in the manifest; for a nested stack, the parent's id + `/` + logical id.
    pub artifact_id: String,
    /// CloudFormation stack name (`properties.stackName` or the artifact id); for a nested stack,
    /// the name is only known once deployed, so this is its construct id.
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
    /// `(construct path, logical id)` from `aws:cdk:logicalId` metadata of all stack artifacts.
    pub logical_ids: Vec<(String, String)>,
    pub tree: Vec<TreeEntry>,
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

#[derive(Deserialize)]
struct TreeFile {
    tree: TreeNode,
}

#[derive(Deserialize)]
struct ForestFile {
    forest: HashMap<String, TreeNode>,
}

#[derive(Deserialize)]
struct TreeNode {
    id: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    children: Option<IndexMap<String, TreeNode>>,
    #[serde(default)]
    attributes: Option<TreeAttributes>,
    #[serde(rename = "constructInfo", default)]
    construct_info: Option<ConstructInfo>,
    #[serde(rename = "fileName", default)]
    file_name: Option<String>,
    #[serde(rename = "treeId", default)]
    tree_id: Option<String>,
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

/// Reads the assembly at `dir` (the directory holding manifest.json).
pub fn read(dir: &Path) -> Result<Assembly, AssemblyError> {
    let mut out = Assembly {
        dir: dir.to_path_buf(),
        ..Default::default()
    };
    let mut reader = Reader {
        out: &mut out,
        forests: HashMap::new(),
        visited_trees: Vec::new(),
        templates: HashMap::new(),
        trees: HashMap::new(),
    };
    reader.read_manifest(dir, 0)?;
    Ok(out)
}

struct Reader<'a> {
    out: &'a mut Assembly,
    forests: HashMap<PathBuf, HashMap<String, TreeNode>>,
    visited_trees: Vec<PathBuf>,
    /// Files parsed ahead, on every core, until the manifest's order asks for them.
    templates: HashMap<PathBuf, Result<Template, AssemblyError>>,
    trees: HashMap<PathBuf, Result<TreeFile, AssemblyError>>,
}

/// A file to parse ahead.
enum Job {
    Template(PathBuf),
    Tree(PathBuf),
}

/// Stages nest assemblies; real apps stay shallow, a cycle or a hostile manifest must not recurse forever.
const MAX_ASSEMBLY_DEPTH: usize = 16;

impl Reader<'_> {
    fn read_manifest(&mut self, dir: &Path, depth: usize) -> Result<(), AssemblyError> {
        let manifest_path = dir.join("manifest.json");
        if depth > MAX_ASSEMBLY_DEPTH {
            return Err(AssemblyError::invalid(
                &manifest_path,
                "nested cloud assemblies go deeper than 16 levels (a cycle?)",
            ));
        }
        if !manifest_path.is_file() {
            return Err(if depth == 0 {
                AssemblyError::NotFound {
                    path: dir.to_path_buf(),
                    reason: "it holds no manifest.json".into(),
                }
            } else {
                AssemblyError::invalid(&manifest_path, "nested cloud assembly has no manifest.json")
            });
        }
        let manifest: Manifest = read_json(&manifest_path)?;
        let _ = manifest.version;
        self.prefetch(dir, &manifest);
        for (id, artifact) in &manifest.artifacts {
            let field = |name: &str| format!("field `artifacts.{id}.{name}`");
            match artifact.kind.as_str() {
                "aws:cloudformation:stack" => {
                    let props = artifact.properties.as_ref();
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
                    let template = self.template(&template_file)?;
                    let mut metadata_paths = Vec::new();
                    if let Some(meta) = &artifact.metadata {
                        collect_logical_ids(meta, &mut metadata_paths);
                    }
                    if let Some(file) = &artifact.additional_metadata_file {
                        let path = safe_join(dir, file, &manifest_path)?;
                        let meta: MetadataMap = read_json(&path)?;
                        collect_logical_ids(&meta, &mut metadata_paths);
                    }
                    let path = stack_path(artifact.display_name.as_deref(), id, &metadata_paths);
                    let stack_name = props
                        .and_then(|p| p.stack_name.clone())
                        .unwrap_or_else(|| id.clone());
                    self.out.logical_ids.extend(metadata_paths);
                    let index = self.out.stacks.len();
                    self.out.stacks.push(StackArtifact {
                        artifact_id: id.clone(),
                        stack_name,
                        path,
                        environment,
                        lookup_role: props
                            .and_then(|p| p.lookup_role.clone())
                            .and_then(|v| serde_json::from_value(v).ok()),
                        template_file,
                        template,
                        nested_in: None,
                    });
                    self.read_nested_stacks(index, dir, 0)?;
                }
                "cdk:cloud-assembly" => {
                    let sub = artifact
                        .properties
                        .as_ref()
                        .and_then(|p| p.directory_name.clone())
                        .ok_or_else(|| {
                            AssemblyError::invalid(
                                &manifest_path,
                                format!("{} is missing", field("properties.directoryName")),
                            )
                        })?;
                    let sub_dir = safe_join(dir, &sub, &manifest_path)?;
                    self.read_manifest(&sub_dir, depth + 1)?;
                }
                "cdk:tree" => {
                    let file = artifact
                        .properties
                        .as_ref()
                        .and_then(|p| p.file.clone())
                        .unwrap_or_else(|| "tree.json".to_string());
                    let path = safe_join(dir, &file, &manifest_path)?;
                    if !self.visited_trees.contains(&path) {
                        self.visited_trees.push(path.clone());
                        self.read_tree(&path)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Nested stacks are `AWS::CloudFormation::Stack` resources whose `aws:asset:path` names a
    /// `*.nested.template.json` in the same directory.
    fn read_nested_stacks(
        &mut self,
        parent: usize,
        dir: &Path,
        depth: usize,
    ) -> Result<(), AssemblyError> {
        if depth > MAX_ASSEMBLY_DEPTH {
            return Ok(());
        }
        let parent_stack = &self.out.stacks[parent];
        let parent_file = parent_stack.template_file.clone();
        let mut found = Vec::new();
        for (logical_id, res) in &parent_stack.template.resources {
            if res.cfn_type != "AWS::CloudFormation::Stack" {
                continue;
            }
            let Some(meta) = &res.metadata else { continue };
            let Some(asset) = &meta.asset_path else {
                continue;
            };
            if !asset.ends_with(".json") {
                continue;
            }
            let path = meta
                .cdk_path
                .as_deref()
                .map(nested_stack_construct_path)
                .unwrap_or_else(|| format!("{}/{logical_id}", parent_stack.path));
            found.push((logical_id.clone(), asset.clone(), path));
        }
        for (logical_id, asset, path) in found {
            let template_file = safe_join(dir, &asset, &parent_file)?;
            let template = self.template(&template_file)?;
            let parent_stack = &self.out.stacks[parent];
            let name = path.rsplit('/').next().unwrap_or(&logical_id).to_string();
            let index = self.out.stacks.len();
            self.out.stacks.push(StackArtifact {
                artifact_id: format!("{}/{logical_id}", parent_stack.artifact_id),
                stack_name: name,
                path,
                environment: parent_stack.environment.clone(),
                lookup_role: parent_stack.lookup_role.clone(),
                template_file,
                template,
                nested_in: Some((parent, logical_id)),
            });
            self.read_nested_stacks(index, dir, depth + 1)?;
        }
        Ok(())
    }

    /// Parses the directory's templates (stacks' and nested stacks') and its tree on every core
    /// at once; the manifest's order then takes them. A file that turns out not to be needed is
    /// dropped, its errors with it; one that is needed fails as reading it would.
    fn prefetch(&mut self, dir: &Path, manifest: &Manifest) {
        let mut jobs = Vec::new();
        if let Ok(entries) = fs::read_dir(dir) {
            for e in entries.flatten() {
                let path = e.path();
                let is_template = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(".template.json"));
                if is_template && !self.templates.contains_key(&path) && path.is_file() {
                    jobs.push(Job::Template(path));
                }
            }
        }
        for artifact in manifest.artifacts.values() {
            if artifact.kind == "cdk:tree" {
                let file = artifact
                    .properties
                    .as_ref()
                    .and_then(|p| p.file.clone())
                    .unwrap_or_else(|| "tree.json".to_string());
                if let Ok(path) = safe_join(dir, &file, dir)
                    && !self.visited_trees.contains(&path)
                    && !self.trees.contains_key(&path)
                    && path.is_file()
                {
                    jobs.push(Job::Tree(path));
                }
            }
        }
        if jobs.len() < 2 {
            return;
        }
        let threads = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .min(jobs.len());
        let next = std::sync::atomic::AtomicUsize::new(0);
        let done = std::sync::Mutex::new((Vec::new(), Vec::new()));
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        match job {
                            Job::Template(p) => {
                                let r = read_json::<Template>(p);
                                let mut d = done.lock().unwrap_or_else(|e| e.into_inner());
                                d.0.push((p.clone(), r));
                            }
                            Job::Tree(p) => {
                                let r = read_json::<TreeFile>(p);
                                let mut d = done.lock().unwrap_or_else(|e| e.into_inner());
                                d.1.push((p.clone(), r));
                            }
                        }
                    }
                });
            }
        });
        let (templates, trees) = done.into_inner().unwrap_or_else(|e| e.into_inner());
        self.templates.extend(templates);
        self.trees.extend(trees);
    }

    fn template(&mut self, path: &Path) -> Result<Template, AssemblyError> {
        match self.templates.remove(path) {
            Some(parsed) => parsed,
            None => read_json(path),
        }
    }

    fn read_tree(&mut self, path: &Path) -> Result<(), AssemblyError> {
        let file: TreeFile = match self.trees.remove(path) {
            Some(parsed) => parsed?,
            None => read_json(path)?,
        };
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let mut stack = vec![(file.tree, 0usize, path.to_path_buf())];
        // Depth-first, children in declaration order: push them reversed.
        while let Some((node, depth, from)) = stack.pop() {
            let node = self.resolve_reference(node, &dir, &from)?;
            let (node, from) = node;
            let path_str = node.path.clone().unwrap_or_default();
            if !path_str.is_empty() && path_str != "Tree" {
                let attrs = node.attributes.as_ref();
                self.out.tree.push(TreeEntry {
                    id: node.id.clone(),
                    fqn: node.construct_info.as_ref().and_then(|c| c.fqn.clone()),
                    depth: depth.saturating_sub(1),
                    logical_id: attrs
                        .and_then(|a| a.logical_id.as_ref())
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    cfn_type: attrs
                        .and_then(|a| a.cfn_type.as_ref())
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    path: path_str,
                });
            }
            if let Some(children) = node.children {
                for (_, child) in children.into_iter().rev() {
                    stack.push((child, depth + 1, from.clone()));
                }
            }
        }
        Ok(())
    }

    /// A split tree's node `{id, path, fileName, treeId}` stands for `forest[treeId]` in `fileName`.
    fn resolve_reference(
        &mut self,
        mut node: TreeNode,
        dir: &Path,
        from: &Path,
    ) -> Result<(TreeNode, PathBuf), AssemblyError> {
        let mut from = from.to_path_buf();
        let mut hops = 0;
        while let (Some(file), Some(tree_id)) = (node.file_name.clone(), node.tree_id.clone()) {
            hops += 1;
            if hops > 64 {
                return Err(AssemblyError::invalid(
                    &from,
                    "tree references loop (fileName/treeId)",
                ));
            }
            let forest_path = safe_join(dir, &file, &from)?;
            if !self.forests.contains_key(&forest_path) {
                let forest: ForestFile = read_json(&forest_path)?;
                self.forests.insert(forest_path.clone(), forest.forest);
            }
            let forest = self.forests.get_mut(&forest_path).expect("inserted above");
            let target = forest.remove(&tree_id).ok_or_else(|| {
                AssemblyError::invalid(
                    &forest_path,
                    format!(
                        "field `forest.{tree_id}` is missing (referenced by node {:?} in {})",
                        node.path.as_deref().unwrap_or(&node.id),
                        from.display()
                    ),
                )
            })?;
            let outer_path = node.path.take();
            node = target;
            if node.path.is_none() {
                node.path = outer_path;
            }
            from = forest_path;
        }
        Ok((node, from))
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

/// A stack's construct path: the display name (its node path, minus a ` (stackName)` suffix when
/// CDK adds one), else the common first segments of its metadata paths, else the artifact id.
fn stack_path(
    display_name: Option<&str>,
    artifact_id: &str,
    metadata: &[(String, String)],
) -> String {
    if let Some(d) = display_name {
        let d = match d.rfind(" (") {
            Some(i) if d.ends_with(')') => &d[..i],
            _ => d,
        };
        if !d.is_empty() {
            return d.to_string();
        }
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
        // A stale template nobody names is parsed ahead and dropped, its error with it.
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
