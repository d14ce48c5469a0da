const text = open("./data.txt");
const bin = open("data.bin", "b");
const bytes = Array.from(new Uint8Array(bin));

export default function () {
  console.log(`text=${JSON.stringify(text)} isAB=${bin instanceof ArrayBuffer} bytes=${bytes.join(",")}`);
  try {
    open("./data.txt");
  } catch (e) {
    console.log(`late open: ${e.message}`);
  }
}
