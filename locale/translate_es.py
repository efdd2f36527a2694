"""Spanish translations, kept as a table so `make makemessages` can be re-run without losing them.

Run after makemessages: `.venv/bin/python locale/translate_es.py` fills every msgstr it knows and
lists the msgids still missing (which then fail the test that checks the catalogue is complete).
"""

from __future__ import annotations

import sys
from pathlib import Path

ES: dict[str, str] = {
    "render time": "tiempo de pintura",
    "customer's page": "página del cliente",
    "open": "abrir",
    "Orders": "Pedidos",
    "Your photo": "Tu foto",
    "JPEG, PNG, WebP or HEIC, up to 20 MB.": "JPEG, PNG, WebP o HEIC, hasta 20 MB.",
    "Style": "Estilo",
    "Please choose a style.": "Elige un estilo, por favor.",
    "Your email": "Tu correo electrónico",
    "We send the link to your preview here.": "Te enviamos aquí el enlace a tu vista previa.",
    "My painting may appear in the public gallery": "Mi cuadro puede aparecer en la galería pública",
    "Are you human?": "¿Eres humano?",
    "This file is %(size)s MB; the limit is %(limit)s MB.": (
        "Este archivo ocupa %(size)s MB; el límite es %(limit)s MB."
    ),
    "Please upload a JPEG, PNG, WebP or HEIC photo.": "Sube una foto JPEG, PNG, WebP o HEIC, por favor.",
    "This photo has too many pixels; the limit is %(limit)s megapixels.": (
        "Esta foto tiene demasiados píxeles; el límite es %(limit)s megapíxeles."
    ),
    "This file is not an image we can read. Please upload a JPEG, PNG, WebP or HEIC photo.": (
        "Este archivo no es una imagen que podamos leer. Sube una foto JPEG, PNG, WebP o HEIC, por favor."
    ),
    "This photo is too small; each side must be at least %(min)s pixels.": (
        "Esta foto es demasiado pequeña; cada lado debe medir al menos %(min)s píxeles."
    ),
    "Too many photos from your network in a short time. Please try again later.": (
        "Demasiadas fotos desde tu red en poco tiempo. Inténtalo de nuevo más tarde, por favor."
    ),
    "Painting": "Pintando",
    "Preview ready": "Vista previa lista",
    "Failed": "Fallido",
    "email": "correo electrónico",
    "language": "idioma",
    "country": "país",
    "currency": "moneda",
    "style": "estilo",
    "photo": "foto",
    "may appear in the public gallery": "puede aparecer en la galería pública",
    "status": "estado",
    "order": "pedido",
    "orders": "pedidos",
    "Queued": "En cola",
    "Running": "En curso",
    "Done": "Hecho",
    "Snapshot of the style's recipe when the order was placed.": "Copia de la receta del estilo al hacer el pedido.",
    "render job": "trabajo de pintura",
    "render jobs": "trabajos de pintura",
    "Payments": "Pagos",
    "English": "Inglés",
    "Spanish": "Español",
    "Rendering": "Pintura",
    "style image": "imagen del estilo",
    "A painting whose look we copy.": "Un cuadro cuyo aspecto copiamos.",
    "start from preset": "partir de una receta predefinida",
    "Replaces the recipe below with a named preset.": "Sustituye la receta de abajo por una predefinida.",
    "Give a recipe or choose a preset.": "Escribe una receta o elige una predefinida.",
    "image": "imagen",
    "current image": "imagen actual",
    "JSON; checked against the engine's recipe schema. Presets: %(names)s": (
        "JSON; se comprueba con el esquema de recetas del motor. Predefinidas: %(names)s"
    ),
    "Styles": "Estilos",
    "slug": "identificador",
    "name (English)": "nombre (inglés)",
    "name (Spanish)": "nombre (español)",
    "description (English)": "descripción (inglés)",
    "description (Spanish)": "descripción (español)",
    "thumbnail": "miniatura",
    "active": "activo",
    "Shown to customers.": "Visible para los clientes.",
    "position": "posición",
    "Lower comes first.": "Los números bajos van primero.",
    "render recipe": "receta de pintura",
    "styles": "estilos",
    "Not found": "No encontrado",
    "There is nothing at this address. If you followed a link from an email, please check that it was copied whole.": (
        "No hay nada en esta dirección. Si seguiste un enlace de un correo, comprueba que se copió entero."
    ),
    "Language": "Idioma",
    "Change": "Cambiar",
    "picmatix turns your photos into paintings.": "picmatix convierte tus fotos en cuadros.",
    "Bot protection (reCAPTCHA) is not configured on this shop.": (
        "La protección contra bots (reCAPTCHA) no está configurada en esta tienda."
    ),
    "Hello,": "Hola:",
    "We have painted your photo in the style %(name)s. Have a look at the preview:": (
        "Hemos pintado tu foto en el estilo %(name)s. Echa un vistazo a la vista previa:"
    ),
    "If you like it, you can buy the full-resolution painting from that page and pay what you want.": (
        "Si te gusta, puedes comprar el cuadro en alta resolución desde esa página y pagar lo que quieras."
    ),
    "This link is private: anyone who has it can see your painting, so please do not share it.": (
        "Este enlace es privado: quien lo tenga puede ver tu cuadro, así que no lo compartas, por favor."
    ),
    "See my painting": "Ver mi cuadro",
    "Your %(name)s painting is ready to preview": "Tu cuadro %(name)s está listo para ver",
    "Your painting": "Tu cuadro",
    "Style: %(name)s": "Estilo: %(name)s",
    "We are painting your photo. This page updates by itself.": (
        "Estamos pintando tu foto. Esta página se actualiza sola."
    ),
    "Your painting, still in progress": "Tu cuadro, todavía en proceso",
    "Your preview is ready. We have also sent you an email with the link to this page.": (
        "Tu vista previa está lista. También te hemos enviado un correo con el enlace a esta página."
    ),
    "Preview of your painting (with watermark)": "Vista previa de tu cuadro (con marca de agua)",
    "We could not paint this photo. Our staff have been told and will contact you.": (
        "No hemos podido pintar esta foto. Nuestro equipo ya lo sabe y se pondrá en contacto contigo."
    ),
    "Pass": "Pasada",
    "of": "de",
    "Step": "Paso",
    "About %(minutes)s min left": "Quedan unos %(minutes)s min",
    "Almost done": "Casi listo",
    "Turn your photo into a painting": "Convierte tu foto en un cuadro",
    "Upload a photo, choose a style, and we email you a preview of your painting. "
    "You pay only if you like it, what you want.": (
        "Sube una foto, elige un estilo y te enviamos por correo una vista previa de tu cuadro. "
        "Solo pagas si te gusta, lo que quieras."
    ),
    "No styles are available yet.": "Todavía no hay estilos disponibles.",
    "Example of the style %(name)s": "Ejemplo del estilo %(name)s",
    "Paint my photo": "Pintar mi foto",
}


def main() -> int:
    import polib  # a development tool only: `pip install polib`

    path = Path(__file__).parent / "es" / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(path))
    missing = []
    for entry in catalogue:
        if entry.msgid in ES:
            entry.msgstr = ES[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif not entry.msgstr:
            missing.append(entry.msgid)
    catalogue.metadata["Language"] = "es"
    catalogue.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    catalogue.save()
    for msgid in missing:
        print(f"missing: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
