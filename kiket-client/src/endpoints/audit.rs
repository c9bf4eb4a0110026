//! Audit anchors and Merkle proofs, plus local proof verification.

use super::Endpoints;
use crate::error::ApiError;
use crate::generated::types::{
    AuditAnchor, AuditAnchorListResponse, RecordProof, VerifyProofRequest, VerifyProofResponse,
};
use crate::retry::new_idempotency_key;
use sha2::{Digest, Sha256};

/// Filters of [`Audit::anchors`].
#[derive(Debug, Clone, Default)]
pub struct AnchorQuery {
    /// Page number (1-based).
    pub page: Option<u32>,
    /// Anchors per page (at most 100).
    pub per_page: Option<u32>,
    /// Anchor status.
    pub status: Option<String>,
    /// Blockchain network.
    pub network: Option<String>,
    /// ISO-8601 lower bound.
    pub from: Option<String>,
    /// ISO-8601 upper bound.
    pub to: Option<String>,
}

/// Audit anchors and proofs.
#[derive(Debug, Clone)]
pub struct Audit {
    endpoints: Endpoints,
}

impl Audit {
    pub(super) fn new(endpoints: Endpoints) -> Self {
        Self { endpoints }
    }

    /// A page of anchors. `per_page` above 100 is rejected locally.
    pub async fn anchors(&self, query: &AnchorQuery) -> Result<AuditAnchorListResponse, ApiError> {
        const OP: &str = crate::operations::LIST_AUDIT_ANCHORS.id;
        let mut request = self.endpoints.client.list_audit_anchors();
        if let Some(page) = query.page {
            request = request.page(page);
        }
        if let Some(per_page) = query.per_page {
            if per_page > 100 {
                return Err(ApiError::input(OP, format!("per_page is at most 100, got {per_page}")));
            }
            request = request.per_page(per_page);
        }
        if let Some(status) = &query.status {
            request = request.status(status.as_str());
        }
        if let Some(network) = &query.network {
            request = request.network(network.as_str());
        }
        if let Some(from) = &query.from {
            request = request.from(from.as_str());
        }
        if let Some(to) = &query.to {
            request = request.to(to.as_str());
        }
        Ok(request.send().await.map_err(|e| ApiError::from_generated(OP, e))?.into_inner())
    }

    /// One anchor by Merkle root.
    pub async fn anchor(&self, merkle_root: &str, include_records: bool) -> Result<AuditAnchor, ApiError> {
        const OP: &str = crate::operations::GET_AUDIT_ANCHOR.id;
        let response = self
            .endpoints
            .client
            .get_audit_anchor()
            .merkle_root(merkle_root)
            .include_records(include_records)
            .send()
            .await;
        Ok(response.map_err(|e| ApiError::from_generated(OP, e))?.into_inner())
    }

    /// The inclusion proof of a record.
    pub async fn record_proof(
        &self,
        record_id: impl std::fmt::Display,
        record_type: Option<&str>,
    ) -> Result<RecordProof, ApiError> {
        const OP: &str = crate::operations::GET_RECORD_PROOF.id;
        let mut request = self.endpoints.client.get_record_proof().id(record_id.to_string());
        if let Some(record_type) = record_type {
            request = request.record_type(record_type);
        }
        Ok(request.send().await.map_err(|e| ApiError::from_generated(OP, e))?.into_inner())
    }

    /// Asks the platform to verify a proof.
    pub async fn verify(&self, proof: VerifyProofRequest) -> Result<VerifyProofResponse, ApiError> {
        const OP: &str = crate::operations::VERIFY_AUDIT_PROOF.id;
        let response =
            self.endpoints.client.verify_audit_proof().idempotency_key(new_idempotency_key()).body(proof).send().await;
        Ok(response.map_err(|e| ApiError::from_generated(OP, e))?.into_inner())
    }
}

/// Verifies a Merkle inclusion proof locally, without calling the platform.
///
/// Convention: SHA-256 over raw bytes; hashes are hex. Starting from the leaf
/// (`content_hash`), each sibling in `proof` is combined as `H(node ‖ sibling)` when the
/// current index is even and `H(sibling ‖ node)` when odd; the index halves each level.
/// Returns `Ok(true)` when the result equals `merkle_root`, and an error for malformed hex.
///
/// ```
/// use kiket_client::verify_merkle_proof;
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
