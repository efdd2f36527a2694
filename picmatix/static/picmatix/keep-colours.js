// "Keep my photo's colours" is offered only with the styles that allow it (data-own-colours on
// their radio button): the option hides, and is unticked, while another style is chosen.
(function () {
  "use strict";
  const field = document.getElementById("keep-colours-field");
  if (!field) return;
  const box = field.querySelector("input[type=checkbox]");
  const radios = document.querySelectorAll("input[name=style]");
  function update() {
    const chosen = document.querySelector("input[name=style]:checked");
    const offered = !chosen || chosen.hasAttribute("data-own-colours");
    field.hidden = !offered;
    if (!offered) box.checked = false;
  }
  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
})();
