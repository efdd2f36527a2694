// "How much of the painting" follows the chosen style: its three examples (the reference portrait
// painted lighter, as shown and stronger) come from the style's radio button, and the choice hides,
// back at "as shown", with a style that does not offer it.
(function () {
  "use strict";
  const field = document.getElementById("strength-field");
  if (!field) return;
  const options = field.querySelectorAll("input[name=strength]");
  const images = field.querySelectorAll("img.strength-example");
  function update() {
    const chosen = document.querySelector("input[name=style]:checked");
    const examples = chosen ? chosen.getAttribute("data-strength-examples") : null;
    field.hidden = !examples;
    if (!examples) {
      options.forEach(function (option) { option.checked = option.value === "as_shown"; });
      return;
    }
    const urls = examples.split(" ");
    images.forEach(function (image, index) {
      image.src = urls[index];
      image.hidden = false;
    });
  }
  document.querySelectorAll("input[name=style]").forEach(function (radio) {
    radio.addEventListener("change", update);
  });
  update();
})();
