// WebCrypto RSA-OAEP with a fixed 1024-bit key (made with openssl for this test; small so
// the test is quick). K6_CIPHERTEXT is what k6 v1.1 produced encrypting "hello" with
// label "label" and SHA-256 under this key's public half; k6 prints the same lines
// (webcrypto_rsa.expected) for this script.
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));
const s = crypto.subtle;
const PKCS8 = "30820276020100300d06092a864886f70d0101010500048202603082025c02010002818100c3932754757a16afc03f68e5ef9975c9ef9fdeef7be9affcbe424a929908ba9ff88de3fdb8a04c647f0850ce64706ff15d1ca9c545e12d3499feb7f38fc8578ba77ca9ac543db16bd8f0e83eb83dcbf5567169ddb72102c6b596a3b6d5af95a1913ce63aafb8af86503c1ea5a603b53dc3a2e009b239c188c2b413fa9a52c56f02030100010281802683921935d1472a71278b96cc6a6221d4489d7477e87b39c095f96d892988e6fbe1a5664fb77193d0d868615cb22fb94e66d89ffab4ef5c0e7f74e648086204cbc62d168af62cd4f7d31332bc22b195b33c3aa79198862ff6853a680c55a8e3e83e3e54f297c2388178b7075e4e6470d187d35545ece7c834939c9b60b182e1024100fbd3aca706c54572cd2d970a6f8fa36baedea082f6d1e9bef8575570c63fc3fbb82e5255a165be9bc450703c1292d5427934988f649ffc29ada5c1dfce4e7209024100c6d0d7518cd9e60f171baf59310c2546df0916cc166f13c8afef083044162d420310e82c499e6b74c4a06a22dadab41ee06a7420437b1c5952a133611bd179b702405bd21aa9ec3611d4822b955f20be66ffe48b184ba86371af482dcfe186e7c936073a1c9b4c7624c1f71abd51aa140fde6503607d285b8d3e452aa33e4fa31ac1024051f367adbfc759a342bd30ac2d217a841a0f5f0c44fb0846a2ee7e8b96a525869e48ebcac595bd69665b512488ddb97d38b7e8a21beeb522c48299f11f4c5b45024100e3522d7783208765f139644703a4af3dd46359ce443cbba851215fcc8ef16ae8efcaba4a89519fa8da99eaf6d1f23b628e12f773550ca91dba60e30d4db5dca6";
const SPKI = "30819f300d06092a864886f70d010101050003818d0030818902818100c3932754757a16afc03f68e5ef9975c9ef9fdeef7be9affcbe424a929908ba9ff88de3fdb8a04c647f0850ce64706ff15d1ca9c545e12d3499feb7f38fc8578ba77ca9ac543db16bd8f0e83eb83dcbf5567169ddb72102c6b596a3b6d5af95a1913ce63aafb8af86503c1ea5a603b53dc3a2e009b239c188c2b413fa9a52c56f0203010001";
const K6_CIPHERTEXT = "05c2ee36d454f323932394b823bf37916a10d99e87821922becc55d250b0edcd8d3a49b4795a249669e6ea1c22c00d935f1b36c834ac1f411812568ebb7bf1736fd13859bd190a9f6bfae501a33545852cf01cfd4feba89534eb4da598480e2eeab6899a671f8deb1e4ddb8985d15b27ba0779bc1ebc34801a56563f8cf5927e";

async function t(name, f) {
  try {
    const v = await f();
    console.log(name, v instanceof ArrayBuffer ? "hex:" + hex(v) : JSON.stringify(v));
  } catch (e) {
    console.log(name, "ERR", e.name);
  }
}

export default async function () {
  const alg = { name: "RSA-OAEP", hash: "SHA-256" };
  const label = new Uint8Array([108, 97, 98, 101, 108]);
  const priv = await s.importKey("pkcs8", unhex(PKCS8), alg, true, ["decrypt"]);
  const pub = await s.importKey("spki", unhex(SPKI), alg, true, ["encrypt"]);
  await t("keys", () => [priv.type, pub.type, pub.algorithm.name, pub.algorithm.modulusLength]);
  await t("key-hash", () => pub.algorithm.hash.name);
  await t("key-exponent", () => hex(pub.algorithm.publicExponent.buffer));
  await t("decrypt-k6", () => s.decrypt({ name: "RSA-OAEP", label }, priv, unhex(K6_CIPHERTEXT)));
  await t("decrypt-wrong-label", () => s.decrypt({ name: "RSA-OAEP" }, priv, unhex(K6_CIPHERTEXT)));
  await t("roundtrip", async () => s.decrypt({ name: "RSA-OAEP" }, priv, await s.encrypt({ name: "RSA-OAEP" }, pub, new Uint8Array([1, 2, 3]))));
  await t("ciphertext-length", async () => (await s.encrypt({ name: "RSA-OAEP", label }, pub, new Uint8Array([1]))).byteLength);
  await t("export-spki", async () => hex(await s.exportKey("spki", pub)) === SPKI);
  await t("export-pkcs8-roundtrip", async () => {
    const again = await s.importKey("pkcs8", await s.exportKey("pkcs8", priv), alg, false, ["decrypt"]);
    return s.decrypt({ name: "RSA-OAEP", label }, again, unhex(K6_CIPHERTEXT));
  });
  await t("encrypt-with-private", () => s.encrypt({ name: "RSA-OAEP" }, priv, new Uint8Array([1])));
  await t("too-long", () => s.encrypt({ name: "RSA-OAEP" }, pub, new Uint8Array(100)));
  await t("bad-spki", () => s.importKey("spki", new Uint8Array([1, 2, 3]), alg, true, ["encrypt"]));
  await t("generate", async () => {
    const pair = await s.generateKey({ name: "RSA-OAEP", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-1" }, true, ["encrypt", "decrypt"]);
    const ct = await s.encrypt({ name: "RSA-OAEP" }, pair.publicKey, new Uint8Array([7]));
    return [pair.privateKey.usages, pair.publicKey.usages, pair.publicKey.algorithm.modulusLength, hex(await s.decrypt({ name: "RSA-OAEP" }, pair.privateKey, ct))];
  });
}
