//! Ops behind the WebCrypto `crypto.subtle` (webcrypto.js): digests and AES. JS has
//! already checked algorithm names, key lengths and usages, so an error from here is a
//! failed operation (webcrypto.js rejects with `OperationError`).

use aes::cipher;
use aes::{Aes128, Aes192, Aes256};
use aes_gcm::aead::consts::{U12, U13, U14, U15, U16};
use aes_gcm::aead::generic_array::ArrayLength;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::AesGcm;
use cipher::{
    BlockCipher, BlockDecryptMut, BlockEncrypt, BlockEncryptMut, BlockSizeUser, KeyIvInit,
    StreamCipher,
};
use deno_core::op2;
use deno_error::JsErrorBox;

fn failed(why: &str) -> JsErrorBox {
    JsErrorBox::generic(why.to_owned())
}

/// WebCrypto's digest names, as normalized by webcrypto.js.
#[op2]
#[arraybuffer]
pub fn op_subtle_digest(#[string] alg: &str, #[buffer] data: &[u8]) -> Result<Vec<u8>, JsErrorBox> {
    let k6_name = match alg {
        "SHA-1" => "sha1",
        "SHA-256" => "sha256",
        "SHA-384" => "sha384",
        "SHA-512" => "sha512",
        _ => return Err(super::ops::unknown(alg)),
    };
    super::ops::digest(k6_name, data).ok_or_else(|| super::ops::unknown(alg))
}

fn gcm<C, N, T>(
    encrypt: bool,
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, JsErrorBox>
where
    C: BlockCipher + BlockSizeUser<BlockSize = U16> + BlockEncrypt + KeyInit,
    N: ArrayLength<u8>,
    T: aes_gcm::TagSize,
{
    let cipher =
        AesGcm::<C, N, T>::new_from_slice(key).map_err(|_| failed("invalid AES key length"))?;
    let nonce = aes_gcm::Nonce::<N>::from_slice(iv);
    let payload = Payload { msg: data, aad };
    if encrypt {
        cipher
            .encrypt(nonce, payload)
            .map_err(|_| failed("AES-GCM encryption failed"))
    } else {
        // Deliberately vague, as WebCrypto is: the tag did not match.
        cipher
            .decrypt(nonce, payload)
            .map_err(|_| failed("could not decrypt ciphertext"))
    }
}

fn gcm_for_key<N: ArrayLength<u8>, T: aes_gcm::TagSize>(
    encrypt: bool,
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, JsErrorBox> {
    match key.len() {
        16 => gcm::<Aes128, N, T>(encrypt, key, iv, aad, data),
        24 => gcm::<Aes192, N, T>(encrypt, key, iv, aad, data),
        32 => gcm::<Aes256, N, T>(encrypt, key, iv, aad, data),
        _ => Err(failed("invalid AES key length")),
    }
}

fn aes_gcm(
    encrypt: bool,
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    tag_bits: u32,
    data: &[u8],
) -> Result<Vec<u8>, JsErrorBox> {
    match (iv.len(), tag_bits) {
        (12, 128) => gcm_for_key::<U12, U16>(encrypt, key, iv, aad, data),
        (12, 120) => gcm_for_key::<U12, U15>(encrypt, key, iv, aad, data),
        (12, 112) => gcm_for_key::<U12, U14>(encrypt, key, iv, aad, data),
        (12, 104) => gcm_for_key::<U12, U13>(encrypt, key, iv, aad, data),
        (12, 96) => gcm_for_key::<U12, U12>(encrypt, key, iv, aad, data),
        (16, 128) => gcm_for_key::<U16, U16>(encrypt, key, iv, aad, data),
        (12 | 16, _) => Err(failed("rk6 supports AES-GCM tag lengths of 96 to 128 bits")),
        _ => Err(failed(
            "rk6 supports AES-GCM with a 12-byte (or 16-byte) iv",
        )),
    }
}

fn cbc_mode<C>(encrypt: bool, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, JsErrorBox>
where
    C: BlockCipher
        + BlockSizeUser<BlockSize = U16>
        + cipher::BlockEncryptMut
        + cipher::BlockDecryptMut
        + cipher::KeyInit,
    cbc::Encryptor<C>: KeyIvInit + BlockEncryptMut,
    cbc::Decryptor<C>: KeyIvInit + BlockDecryptMut,
{
    use cipher::block_padding::Pkcs7;
    if iv.len() != 16 {
        return Err(failed("iv length is not 16 bytes"));
    }
    if encrypt {
        let c = cbc::Encryptor::<C>::new_from_slices(key, iv)
            .map_err(|_| failed("invalid AES key length"))?;
        Ok(c.encrypt_padded_vec_mut::<Pkcs7>(data))
    } else {
        let c = cbc::Decryptor::<C>::new_from_slices(key, iv)
            .map_err(|_| failed("invalid AES key length"))?;
        c.decrypt_padded_vec_mut::<Pkcs7>(data)
            .map_err(|_| failed("invalid padding"))
    }
}

fn aes_cbc(encrypt: bool, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, JsErrorBox> {
    match key.len() {
        16 => cbc_mode::<Aes128>(encrypt, key, iv, data),
        24 => cbc_mode::<Aes192>(encrypt, key, iv, data),
        32 => cbc_mode::<Aes256>(encrypt, key, iv, data),
        _ => Err(failed("invalid AES key length")),
    }
}

fn ctr_with<S: KeyIvInit + StreamCipher>(
    key: &[u8],
    counter: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, JsErrorBox> {
    let mut c = S::new_from_slices(key, counter).map_err(|_| failed("invalid AES key length"))?;
    let mut out = data.to_vec();
    c.try_apply_keystream(&mut out)
        .map_err(|_| failed("AES-CTR: the data is too long for the counter"))?;
    Ok(out)
}

fn ctr_for_key<C>(key: &[u8], counter: &[u8], bits: u32, data: &[u8]) -> Result<Vec<u8>, JsErrorBox>
where
    C: BlockCipher + BlockSizeUser<BlockSize = U16> + BlockEncrypt + KeyInit,
    ctr::Ctr128BE<C>: KeyIvInit + StreamCipher,
    ctr::Ctr64BE<C>: KeyIvInit + StreamCipher,
    ctr::Ctr32BE<C>: KeyIvInit + StreamCipher,
{
    match bits {
        128 => ctr_with::<ctr::Ctr128BE<C>>(key, counter, data),
        64 => ctr_with::<ctr::Ctr64BE<C>>(key, counter, data),
        32 => ctr_with::<ctr::Ctr32BE<C>>(key, counter, data),
        _ => {
            // The low `bits` bits count blocks; as long as they do not wrap, a
            // 128-bit counter gives the same keystream.
            let low = u128::from_be_bytes(
                counter
                    .try_into()
                    .map_err(|_| failed("AES-CTR needs a 16-byte counter"))?,
            ) & ((1u128 << bits) - 1);
            let blocks = (data.len() as u128).div_ceil(16);
            if low + blocks > 1u128 << bits {
                return Err(failed("AES-CTR: rk6 cannot wrap a counter of this length"));
            }
            ctr_with::<ctr::Ctr128BE<C>>(key, counter, data)
        }
    }
}

fn aes_ctr(key: &[u8], counter: &[u8], bits: u32, data: &[u8]) -> Result<Vec<u8>, JsErrorBox> {
    if counter.len() != 16 {
        return Err(failed("AES-CTR needs a 16-byte counter"));
    }
    if !(1..=128).contains(&bits) {
        return Err(failed("AES-CTR counter length must be between 1 and 128"));
    }
    match key.len() {
        16 => ctr_for_key::<Aes128>(key, counter, bits, data),
        24 => ctr_for_key::<Aes192>(key, counter, bits, data),
        32 => ctr_for_key::<Aes256>(key, counter, bits, data),
        _ => Err(failed("invalid AES key length")),
    }
}

/// `param` is GCM's tag length or CTR's counter length, in bits; `iv` is CTR's counter.
#[op2]
#[arraybuffer]
#[allow(clippy::too_many_arguments)]
pub fn op_subtle_aes(
    #[string] mode: &str,
    encrypt: bool,
    #[buffer] key: &[u8],
    #[buffer] iv: &[u8],
    #[buffer] aad: &[u8],
    #[smi] param: u32,
    #[buffer] data: &[u8],
) -> Result<Vec<u8>, JsErrorBox> {
    match mode {
        "AES-GCM" => aes_gcm(encrypt, key, iv, aad, param, data),
        "AES-CBC" => aes_cbc(encrypt, key, iv, data),
        "AES-CTR" => aes_ctr(key, iv, param, data),
        _ => Err(failed("unknown AES mode")),
    }
}
