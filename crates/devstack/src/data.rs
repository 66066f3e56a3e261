//! The data folder (`data/` or `DATA_DIR`): made absolute, and the JWT key
//! the launcher keeps there between runs.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// The JWT key made on the first run and kept in `data/jwt-key`.
pub(crate) fn jwt_key(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join("jwt-key");
    if let Ok(key) = std::fs::read_to_string(&path) {
        let key = key.trim().to_owned();
        if !key.is_empty() {
            return Ok(key);
        }
    }
    let key: String = (0..32).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
    std::fs::write(&path, &key).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(key)
}

pub(crate) fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(path).with_context(|| format!("cannot create {}", path.display()))?;
    path.canonicalize().with_context(|| format!("cannot resolve {}", path.display()))
}
