// WebCrypto ECDSA and ECDH on P-256 and P-384 with fixed keys. k6 v1.1 prints the same
// lines (webcrypto_ec.expected): the signatures below are ones k6 made with these keys,
// and ECDH secrets and DER encodings are deterministic.
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));
const s = crypto.subtle;

const KEYS = {
  "P-256": [
    { kty: "EC", crv: "P-256", x: "FIcm2tgJxD7eeO0oQ1t3hmu37jHgtnBjhVBGg-UvkWs", y: "Dhk3KHVVAdMfoyRX-D1icrrhUfU5bmFbz07avbGG8TY", d: "H4yDfa6o6FkpsVLe-UFKtXTzbvbv4P9zL-N5hAbsbSg" },
    { kty: "EC", crv: "P-256", x: "eFm9HAOcstvKlT2aU5C-i_IeYYOS0Q44gnWEWitMK54", y: "vK8uonSp567L6BbRjnbS_LgCimu5g089g6JyYXs7_3E", d: "_O6UH8Ff6zaYJt1FzCWxP4fSnsuFqx4Cuj_V7SZSquo" },
    { kty: "EC", crv: "P-256", x: "rwTspworYTHygKtBsXzalRjUUKrtng9BLgzABRnpspM", y: "tmQM7i3NExiQsgmcK6akMqLpSZkjFHex9YJDDvm6GWM", d: "mKkAaNn5qmWeOm6pPZ8k5LcuFkISWbXGQLGLz-CABRU" },
  ],
  "P-384": [
    { kty: "EC", crv: "P-384", x: "Bg-urO1E0XM6tZLJQ-pLl7T7m34TkgPvlMb6gBDj-mpfEKClT3nMx7CzlezUhaO3", y: "xByKSAC33JB6xaGT3gVXPPEF8_9eWIQoyyq5Nw-9Lb8gnWsQv7xFVL_qRGtlZkce", d: "07DjNI-3Jq0bweK55MyvHDJpaTDTCFnRnWZiRuKU54xFlRkQ5IxovrbNYQGfD3Wr" },
    { kty: "EC", crv: "P-384", x: "2Vj2NYVU5QRfb9NpS9W1CLmw3tX7qMO3X7bKbe_guAekhHSl5Jg1dzTBV7QqrDwd", y: "4IWQoREhILtRiV4RO0j1yRtpDRXynBlOIZlGz98SDSZbYIt7QZHqxJbhqhNqXahG", d: "wKp2z51mP5tWnKlLUPN9WCqudXsRVROs36EaPAF_7Wn565Fv2tawT-jXjEF5zmft" },
    { kty: "EC", crv: "P-384", x: "VtJmN9ngD_Qh2BHPDQ3XAd5fgPHArj5WaDlgxAFAH-WuZaN5FSOZ7kVThWjf-Tu4", y: "TxklByyL0sbOcK88wEfylw54a9XC77NMVwp8jGwJfpiwQdcorU4Mnrtsdk2V_wUr", d: "6h-VMCFzVbp_cUT1mVsCOr2zqtW519J4lwCxoTIADLYNSG_zurh1qzBvDNV-qbTX" },
  ],
};
const K6_SIGNATURES = {
  "P-256": ["SHA-256", "8c05db54b15b6dd7952fd8e7d0e526789005055de44fd6d14a53ebde601ff0727205602b4cd1f1a40e1645987419f17b235ef33178c42560357ec02fabc848cf"],
  "P-384": [
    "SHA-384",
    "dfe36f06f252b00ef56511db12d8fed592267759cbe842c259720337817c0ad2b7e2ff171820eb0ea0afab76adba79ba949d968b99c7ffab61edd3727ae3a9176c028926c9fba015c8292124552613f0c46a28d221054a339179c65f2771c6bd",
  ],
};

async function t(name, f) {
  try {
    const v = await f();
    console.log(name, v instanceof ArrayBuffer ? "hex:" + hex(v) : JSON.stringify(v));
  } catch (e) {
    console.log(name, "ERR", e.name);
  }
}

const publicJwk = ({ kty, crv, x, y }) => ({ kty, crv, x, y });

export default async function () {
  const msg = new Uint8Array([104, 101, 108, 108, 111]);
  for (const curve of ["P-256", "P-384"]) {
    const [signer, alice, bob] = KEYS[curve];
    const [hash, k6sig] = K6_SIGNATURES[curve];
    const ecdsa = { name: "ECDSA", namedCurve: curve };
    const priv = await s.importKey("jwk", signer, ecdsa, true, ["sign"]);
    const pub = await s.importKey("jwk", publicJwk(signer), ecdsa, true, ["verify"]);
    await t(`${curve} keys`, () => [priv.type, pub.type, priv.algorithm.name, priv.algorithm.namedCurve, priv.usages, pub.usages]);
    await t(`${curve} verify-k6-signature`, () => s.verify({ name: "ECDSA", hash }, pub, unhex(k6sig), msg));
    await t(`${curve} verify-other-message`, () => s.verify({ name: "ECDSA", hash }, pub, unhex(k6sig), new Uint8Array([1])));
    await t(`${curve} sign-verify`, async () => s.verify({ name: "ECDSA", hash: "SHA-512" }, pub, await s.sign({ name: "ECDSA", hash: "SHA-512" }, priv, msg), msg));
    await t(`${curve} sign-length`, async () => (await s.sign({ name: "ECDSA", hash }, priv, msg)).byteLength);
    const raw = await s.exportKey("raw", pub);
    await t(`${curve} raw`, () => raw);
    const spki = await s.exportKey("spki", pub);
    await t(`${curve} spki`, () => spki);
    const pkcs8 = await s.exportKey("pkcs8", priv);
    await t(`${curve} pkcs8-length`, () => pkcs8.byteLength);
    await t(`${curve} pkcs8-roundtrip`, async () => {
      const again = await s.importKey("pkcs8", pkcs8, ecdsa, true, ["sign"]);
      const jwk = await s.exportKey("jwk", again);
      return [jwk.kty, jwk.crv, jwk.d === signer.d, jwk.x === signer.x, jwk.y === signer.y];
    });
    await t(`${curve} spki-import`, async () => hex(await s.exportKey("raw", await s.importKey("spki", spki, ecdsa, true, ["verify"]))) === hex(raw));
    await t(`${curve} raw-import`, async () => (await s.importKey("raw", raw, ecdsa, true, ["verify"])).type);
    await t(`${curve} raw-of-private`, () => s.exportKey("raw", priv));
    await t(`${curve} bad-point`, () => s.importKey("raw", new Uint8Array(raw.byteLength), ecdsa, true, ["verify"]));
    await t(`${curve} bad-usage`, () => s.importKey("jwk", publicJwk(signer), ecdsa, true, ["sign"]));

    const ecdh = { name: "ECDH", namedCurve: curve };
    const a = await s.importKey("jwk", alice, ecdh, false, ["deriveBits"]);
    const b = await s.importKey("jwk", bob, ecdh, false, ["deriveBits"]);
    const aPub = await s.importKey("jwk", publicJwk(alice), ecdh, true, []);
    const bPub = await s.importKey("jwk", publicJwk(bob), ecdh, true, []);
    const ab = await s.deriveBits({ name: "ECDH", public: bPub }, a, curve === "P-256" ? 256 : 384);
    await t(`${curve} ecdh`, () => ab);
    await t(`${curve} ecdh-symmetric`, async () => hex(await s.deriveBits({ name: "ECDH", public: aPub }, b, null)) === hex(ab));
    await t(`${curve} ecdh-128`, () => s.deriveBits({ name: "ECDH", public: bPub }, a, 128));
    await t(`${curve} ecdh-public-as-base`, () => s.deriveBits({ name: "ECDH", public: bPub }, bPub, 128));
    await t(`${curve} generate`, async () => {
      const pair = await s.generateKey(ecdh, true, ["deriveBits"]);
      const x = await s.deriveBits({ name: "ECDH", public: aPub }, pair.privateKey, 256);
      const y = await s.deriveBits({ name: "ECDH", public: pair.publicKey }, a, 256);
      return [pair.privateKey.type, pair.publicKey.type, pair.publicKey.usages, hex(x) === hex(y)];
    });
  }
  await t("mismatched-curves", async () => {
    const p256 = await s.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
    const p384 = await s.generateKey({ name: "ECDH", namedCurve: "P-384" }, true, ["deriveBits"]);
    return s.deriveBits({ name: "ECDH", public: p384.publicKey }, p256.privateKey, 256);
  });
}
