export default function () {
  let = ;
}
