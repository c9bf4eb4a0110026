//! Audit anchors and Merkle proofs, plus local proof verification.
//!
//! ```no_run
//! # async fn demo(endpoints: kiket_client::endpoints::Endpoints) -> Result<(), kiket_client::ApiError> {
//! let audit = endpoints.audit();
//! let page = audit.anchors().status("confirmed").per_page(50).await?;
//! let proof = audit.record_proof(981).record_type("issue").await?;
//! # drop((page, proof)); Ok(()) }
//! ```

use super::call::{awaitable, body, optional_body, present, present_id};
use super::Endpoints;
use crate::error::ApiError;
use crate::generated::types::{
    AuditAnchor, AuditAnchorListResponse, RecordProof, VerifyProofRequest, VerifyProofResponse,
};
use crate::time::Timestamp;
use kiket_types::Id;
use sha2::{Digest, Sha256};

/// Audit anchors and proofs.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// let audit = endpoints.audit();
/// let page = audit.anchors().status("confirmed").per_page(50).await?;
/// for anchor in &page.anchors {
///     println!("{:?} on {:?}", anchor.merkle_root, anchor.network);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Audit {
    endpoints: Endpoints,
}

impl Audit {
    pub(super) fn new(endpoints: Endpoints) -> Self {
        Self { endpoints }
    }

    /// A page of anchors; narrow it with the [`ListAnchors`] methods, then await.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let page = endpoints.audit().anchors().await?;
    /// assert!(page.anchors.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn anchors(&self) -> ListAnchors {
        ListAnchors::new(self.clone())
    }

    /// One anchor by Merkle root; add [`GetAnchor::include_records`], then await.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let anchor = endpoints.audit().anchor("0xabc").include_records(true).await?;
    /// assert_eq!(anchor.merkle_root.as_deref(), Some("0xabc"));
    /// # Ok(()) }
    /// ```
    pub fn anchor(&self, merkle_root: impl Into<String>) -> GetAnchor {
        GetAnchor { audit: self.clone(), merkle_root: merkle_root.into(), include_records: None }
    }

    /// The inclusion proof of a record; add [`GetRecordProof::record_type`], then await.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let proof = endpoints.audit().record_proof(981).record_type("issue").await?;
    /// assert_eq!(api.calls_to("get_record_proof")[0].query_param("record_type"), Some("issue"));
    /// # drop(proof);
    /// # Ok(()) }
    /// ```
    pub fn record_proof(&self, record_id: impl Into<Id>) -> GetRecordProof {
        GetRecordProof { audit: self.clone(), record_id: record_id.into(), record_type: None }
    }

    /// Asks the platform to verify a proof; await it. `None` when the platform answered
    /// without a result.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// use kiket_client::types::VerifyProofRequest;
    /// let request = VerifyProofRequest {
    ///     content_hash: "0x01".into(), leaf_index: 0, merkle_root: "0x01".into(), proof: vec![], tx_hash: None,
    /// };
    /// let answer = endpoints.audit().verify(request).await?;
    /// assert!(answer.is_some());
    /// # Ok(()) }
    /// ```
    pub fn verify(&self, proof: VerifyProofRequest) -> VerifyProof {
        VerifyProof { audit: self.clone(), proof }
    }
}

/// A pending [`Audit::anchors`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// let pending = endpoints.audit().anchors().page(2).per_page(25); // nothing sent yet
/// let page = pending.await?;
/// # drop(page);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ListAnchors {
    audit: Audit,
    page: Option<u32>,
    per_page: Option<u32>,
    status: Option<String>,
    network: Option<String>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
}

impl ListAnchors {
    fn new(audit: Audit) -> Self {
        Self { audit, page: None, per_page: None, status: None, network: None, from: None, to: None }
    }

    /// Page number (1-based).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.audit().anchors().page(3).await?;
    /// assert_eq!(api.calls_to("list_audit_anchors")[0].query_param("page"), Some("3"));
    /// # Ok(()) }
    /// ```
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Anchors per page (at most 100; more is refused locally).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.audit().anchors().per_page(100).await?;
    /// assert_eq!(api.calls_to("list_audit_anchors")[0].query_param("per_page"), Some("100"));
    /// # Ok(()) }
    /// ```
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = Some(per_page);
        self
    }

    /// Only anchors in this status.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.audit().anchors().status("pending").await?;
    /// assert_eq!(api.calls_to("list_audit_anchors")[0].query_param("status"), Some("pending"));
    /// # Ok(()) }
    /// ```
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Only anchors on this blockchain network.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.audit().anchors().network("polygon").await?;
    /// assert_eq!(api.calls_to("list_audit_anchors")[0].query_param("network"), Some("polygon"));
    /// # Ok(()) }
    /// ```
    pub fn network(mut self, network: impl Into<String>) -> Self {
        self.network = Some(network.into());
        self
    }

    /// Only anchors at or after `time`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let from: kiket_client::time::Timestamp = "2026-11-01T00:00:00Z".parse()?;
    /// endpoints.audit().anchors().from(from).await?;
    /// assert!(api.calls_to("list_audit_anchors")[0].query_param("from").is_some());
    /// # Ok(()) }
    /// ```
    pub fn from(mut self, time: Timestamp) -> Self {
        self.from = Some(time);
        self
    }

    /// Only anchors at or before `time`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let to: kiket_client::time::Timestamp = "2026-12-01T00:00:00Z".parse()?;
    /// endpoints.audit().anchors().to(to).await?;
    /// assert!(api.calls_to("list_audit_anchors")[0].query_param("to").is_some());
    /// # Ok(()) }
    /// ```
    pub fn to(mut self, time: Timestamp) -> Self {
        self.to = Some(time);
        self
    }

    /// Sends the request (what `.await` does).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let page = endpoints.audit().anchors().send().await?;
    /// assert!(page.anchors.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<AuditAnchorListResponse, ApiError> {
        const OP: &str = crate::operations::LIST_AUDIT_ANCHORS.id;
        let mut request = self.audit.endpoints.client.list_audit_anchors();
        if let Some(page) = self.page {
            request = request.page(page);
        }
        if let Some(per_page) = self.per_page {
            if per_page > 100 {
                return Err(ApiError::input(OP, format!("per_page is at most 100, got {per_page}")));
            }
            request = request.per_page(per_page);
        }
        if let Some(status) = &self.status {
            request = request.status(status.as_str());
        }
        if let Some(network) = &self.network {
            request = request.network(network.as_str());
        }
        if let Some(from) = self.from {
            request = request.from(from.to_string());
        }
        if let Some(to) = self.to {
            request = request.to(to.to_string());
        }
        body(OP, request.send().await)
    }
}

awaitable!(ListAnchors => AuditAnchorListResponse);

/// A pending [`Audit::anchor`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// let anchor = endpoints.audit().anchor("0xabc").await?;
/// assert_eq!(anchor.status.as_deref(), Some("confirmed"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetAnchor {
    audit: Audit,
    merkle_root: String,
    include_records: Option<bool>,
}

impl GetAnchor {
    /// Whether the anchor's records come with it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.audit().anchor("0xabc").include_records(true).await?;
    /// assert_eq!(api.calls_to("get_audit_anchor")[0].query_param("include_records"), Some("true"));
    /// # Ok(()) }
    /// ```
    pub fn include_records(mut self, include: bool) -> Self {
        self.include_records = Some(include);
        self
    }

    /// Sends the request (what `.await` does).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let anchor = endpoints.audit().anchor("0xabc").send().await?;
    /// assert_eq!(anchor.merkle_root.as_deref(), Some("0xabc"));
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<AuditAnchor, ApiError> {
        const OP: &str = crate::operations::GET_AUDIT_ANCHOR.id;
        let root = present(OP, "merkle root", &self.merkle_root)?;
        let mut request = self.audit.endpoints.client.get_audit_anchor().merkle_root(root);
        if let Some(include) = self.include_records {
            request = request.include_records(include);
        }
        body(OP, request.send().await)
    }
}

awaitable!(GetAnchor => AuditAnchor);

/// A pending [`Audit::record_proof`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// let proof = endpoints.audit().record_proof(981).await?;
/// // Check it locally, without asking the platform (see `verify_merkle_proof`).
/// if let (Some(hash), Some(index), Some(root)) = (&proof.content_hash, proof.leaf_index, &proof.merkle_root) {
///     let valid = kiket_client::endpoints::verify_merkle_proof(hash, &proof.proof, index as u64, root)?;
///     # drop(valid);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetRecordProof {
    audit: Audit,
    record_id: Id,
    record_type: Option<String>,
}

impl GetRecordProof {
    /// The kind of record (`issue`, `comment`, …).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.audit().record_proof(981).record_type("comment").await?;
    /// assert_eq!(api.calls_to("get_record_proof")[0].query_param("record_type"), Some("comment"));
    /// # Ok(()) }
    /// ```
    pub fn record_type(mut self, record_type: impl Into<String>) -> Self {
        self.record_type = Some(record_type.into());
        self
    }

    /// Sends the request (what `.await` does).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let proof = endpoints.audit().record_proof(981).send().await?;
    /// assert!(proof.proof.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<RecordProof, ApiError> {
        const OP: &str = crate::operations::GET_RECORD_PROOF.id;
        let id = present_id(OP, "record id", &self.record_id)?;
        let mut request = self.audit.endpoints.client.get_record_proof().id(id);
        if let Some(record_type) = &self.record_type {
            request = request.record_type(record_type.as_str());
        }
        body(OP, request.send().await)
    }
}

awaitable!(GetRecordProof => RecordProof);

/// A pending [`Audit::verify`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// use kiket_client::types::VerifyProofRequest;
/// let request = VerifyProofRequest { content_hash: "0x01".into(), leaf_index: 0, merkle_root: "0x01".into(), proof: vec![], tx_hash: None };
/// let pending = endpoints.audit().verify(request);
/// assert!(pending.await?.is_some());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct VerifyProof {
    audit: Audit,
    proof: VerifyProofRequest,
}

impl VerifyProof {
    /// Sends the request (what `.await` does).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// use kiket_client::types::VerifyProofRequest;
    /// let request = VerifyProofRequest { content_hash: "0x01".into(), leaf_index: 0, merkle_root: "0x01".into(), proof: vec![], tx_hash: None };
    /// let answer = endpoints.audit().verify(request).send().await?;
    /// assert_eq!(api.calls_to("verify_audit_proof").len(), 1);
    /// # drop(answer);
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Option<VerifyProofResponse>, ApiError> {
        const OP: &str = crate::operations::VERIFY_AUDIT_PROOF.id;
        let request =
            self.audit.endpoints.client.verify_audit_proof().idempotency_key(self.audit.endpoints.idempotency_key());
        optional_body(OP, request.body(self.proof).send().await)
    }
}

awaitable!(VerifyProof => Option<VerifyProofResponse>);

/// Verifies a Merkle inclusion proof locally, without calling the platform.
///
/// Convention: SHA-256 over raw bytes; hashes are hex. Starting from the leaf
/// (`content_hash`), each sibling in `proof` is combined as `H(node ‖ sibling)` when the
/// current index is even and `H(sibling ‖ node)` when odd; the index halves each level.
/// Returns `Ok(true)` when the result equals `merkle_root`, and an error for malformed hex.
///
/// ```
/// use kiket_client::endpoints::verify_merkle_proof;
/// use sha2::{Digest, Sha256};
/// let leaves: Vec<[u8; 32]> = (0u8..4).map(|i| Sha256::digest([i]).into()).collect();
/// let pair = |a: &[u8; 32], b: &[u8; 32]| -> [u8; 32] { Sha256::digest([&a[..], &b[..]].concat()).into() };
/// let (l01, l23) = (pair(&leaves[0], &leaves[1]), pair(&leaves[2], &leaves[3]));
/// let root = hex::encode(pair(&l01, &l23));
/// let proof = [hex::encode(leaves[3]), hex::encode(l01)];
/// assert!(verify_merkle_proof(&hex::encode(leaves[2]), &proof, 2, &root).unwrap());
/// assert!(!verify_merkle_proof(&hex::encode(leaves[2]), &proof, 3, &root).unwrap());
/// assert!(verify_merkle_proof("zz", &proof, 2, &root).is_err());
/// ```
pub fn verify_merkle_proof(
    content_hash: &str,
    proof: &[String],
    leaf_index: u64,
    merkle_root: &str,
) -> Result<bool, ApiError> {
    const OP: &str = "verify_merkle_proof";
    let decode = |hex_text: &str, what: &str| -> Result<Vec<u8>, ApiError> {
        hex::decode(hex_text.trim().trim_start_matches("0x"))
            .map_err(|_| ApiError::input(OP, format!("{what} is not hex")))
    };
    let mut node = decode(content_hash, "content_hash")?;
    let root = decode(merkle_root, "merkle_root")?;
    let mut index = leaf_index;
    for sibling in proof {
        let sibling = decode(sibling, "a proof element")?;
        let mut hasher = Sha256::new();
        if index.is_multiple_of(2) {
            hasher.update(&node);
            hasher.update(&sibling);
        } else {
            hasher.update(&sibling);
            hasher.update(&node);
        }
        node = hasher.finalize().to_vec();
        index /= 2;
    }
    Ok(node == root)
}
