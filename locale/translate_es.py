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
    "About MINUTES min left": "Quedan unos MINUTES min",
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
    "We could not paint your photo": "No hemos podido pintar tu foto",
    "We are sorry: we tried several times to paint your photo in the style %(name)s, and it did not work. "
    "The fault is ours, not your photo's.": (
        "Lo sentimos: hemos intentado varias veces pintar tu foto en el estilo %(name)s y no lo hemos "
        "conseguido. La culpa es nuestra, no de tu foto."
    ),
    "Our staff have been told and will look into it. You have not been charged anything.": (
        "Nuestro equipo ya lo sabe y lo revisará. No se te ha cobrado nada."
    ),
    "Your order:": "Tu pedido:",
    # payments (issue 5)
    "Paid": "Pagado",
    "Refunded": "Reembolsado",
    "needs attention": "requiere atención",
    "Yes": "Sí",
    "Re-send the HD download email": "Reenviar el correo de descarga en alta resolución",
    "Download emails queued: %(count)d.": "Correos de descarga en cola: %(count)d.",
    "Orders not paid, nothing sent: %(count)d.": "Pedidos sin pagar, no se ha enviado nada: %(count)d.",
    "Please enter an amount, for example %(example)s.": "Escribe un importe, por ejemplo %(example)s.",
    "Please enter an amount.": "Escribe un importe, por favor.",
    "Please check the amount.": "Revisa el importe, por favor.",
    "The minimum price is %(minimum)s.": "El precio mínimo es %(minimum)s.",
    "Amounts in %(currency)s are whole numbers.": "Los importes en %(currency)s son números enteros.",
    "Amounts in %(currency)s have at most two decimals.": (
        "Los importes en %(currency)s tienen como mucho dos decimales."
    ),
    "That amount is too large to pay by card.": "Ese importe es demasiado alto para pagarlo con tarjeta.",
    "Your price": "Tu precio",
    "amount": "importe",
    "payment": "pago",
    "payments": "pagos",
    "suggested price": "precio sugerido",
    "minimum price": "precio mínimo",
    "offered": "a la venta",
    "price": "precio",
    "prices": "precios",
    "The amount must be more than zero.": "El importe debe ser mayor que cero.",
    "This currency has no such small units.": "Esta moneda no tiene unidades tan pequeñas.",
    "The minimum cannot be above the suggested price.": "El mínimo no puede ser mayor que el precio sugerido.",
    "Waiting for payment": "Esperando el pago",
    "Succeeded": "Completado",
    "Canceled": "Cancelado",
    "Stripe PaymentIntent": "PaymentIntent de Stripe",
    "refunded": "reembolsado",
    "last asked Stripe": "última consulta a Stripe",
    "Payments are off.": "Los pagos están desactivados.",
    "Too many attempts in a short time. Please try again later.": (
        "Demasiados intentos en poco tiempo. Inténtalo de nuevo más tarde, por favor."
    ),
    "We could not reach our payment provider. Please try again in a moment.": (
        "No hemos podido contactar con nuestro proveedor de pagos. Inténtalo de nuevo en un momento, por favor."
    ),
    "Buy the full-resolution painting": "Comprar el cuadro en alta resolución",
    "Paid, thank you! The download link for the full-resolution painting is in your email.": (
        "¡Pagado, gracias! El enlace para descargar el cuadro en alta resolución está en tu correo."
    ),
    "Buy your painting": "Compra tu cuadro",
    "Back to your painting": "Volver a tu cuadro",
    "Payments are not configured on this shop yet, so the full-resolution painting cannot be bought here for now.": (
        "Los pagos todavía no están configurados en esta tienda, así que por ahora el cuadro en alta "
        "resolución no se puede comprar aquí."
    ),
    "Pay what you want for the full-resolution painting, without the watermark. We email you the download "
    "link as soon as the payment is confirmed.": (
        "Paga lo que quieras por el cuadro en alta resolución, sin marca de agua. Te enviamos por correo el "
        "enlace de descarga en cuanto se confirme el pago."
    ),
    "Your last payment attempt did not go through. You can try again.": (
        "Tu último intento de pago no se ha completado. Puedes volver a intentarlo."
    ),
    "Suggested: %(suggested)s. Minimum: %(minimum)s.": "Sugerido: %(suggested)s. Mínimo: %(minimum)s.",
    "Loading the secure payment form from Stripe…": "Cargando el formulario de pago seguro de Stripe…",
    "The secure payment form from Stripe could not be loaded. Please check your connection (and any blocker "
    "for this page), then reload it.": (
        "El formulario de pago seguro de Stripe no se ha podido cargar. Comprueba tu conexión (y cualquier "
        "bloqueador en esta página) y vuelve a cargarla."
    ),
    "Paying needs JavaScript: your card details go from your browser straight to Stripe.": (
        "Para pagar hace falta JavaScript: los datos de tu tarjeta van de tu navegador directamente a Stripe."
    ),
    "Pay": "Pagar",
    "Card details go straight from your browser to Stripe; this shop never sees or stores them.": (
        "Los datos de la tarjeta van directamente de tu navegador a Stripe; esta tienda nunca los ve ni los guarda."
    ),
    "Something went wrong. Please try again.": "Algo ha fallado. Inténtalo de nuevo, por favor.",
    "Your purchase": "Tu compra",
    "Thank you! Your payment is confirmed. We have emailed the download link for the full-resolution "
    "painting to %(email)s.": (
        "¡Gracias! Tu pago está confirmado. Hemos enviado el enlace para descargar el cuadro en alta "
        "resolución a %(email)s."
    ),
    "This purchase has been refunded.": "Esta compra se ha reembolsado.",
    "Your payment did not go through.": "Tu pago no se ha completado.",
    "Try again": "Volver a intentarlo",
    "Thank you! We are confirming your payment of %(amount)s with Stripe. This page updates by itself, and "
    "the download link will also arrive by email.": (
        "¡Gracias! Estamos confirmando con Stripe tu pago de %(amount)s. Esta página se actualiza sola, y el "
        "enlace de descarga también te llegará por correo."
    ),
    "This link has expired": "Este enlace ha caducado",
    "Download links work for a limited time. Reply to the email that brought you here and we will send you "
    "a new one.": (
        "Los enlaces de descarga funcionan durante un tiempo limitado. Responde al correo que te trajo aquí y "
        "te enviaremos uno nuevo."
    ),
    "Your %(name)s painting in full resolution": "Tu cuadro %(name)s en alta resolución",
    "Thank you for your purchase! Download your painting in full resolution here:": (
        "¡Gracias por tu compra! Descarga tu cuadro en alta resolución aquí:"
    ),
    "Download my painting": "Descargar mi cuadro",
    "The link works until %(date)s.": "El enlace funciona hasta el %(date)s.",
    "If it has expired, reply to this email and we will send you a new one.": (
        "Si ha caducado, responde a este correo y te enviaremos uno nuevo."
    ),
    "Your order page:": "La página de tu pedido:",
    "Your photo did not arrive. Please choose it again.": "Tu foto no ha llegado. Elígela de nuevo, por favor.",
    "Your photo is uploaded. Choose another file only to replace it.": (
        "Tu foto ya está subida. Elige otro archivo solo si quieres cambiarla."
    ),
    "If you do not buy your painting, we delete your photo and its preview %(days)s days after your order.": (
        "Si no compras tu cuadro, borramos tu foto y su vista previa %(days)s días después de tu pedido."
    ),
    "Your order page": "La página de tu pedido",
}


def main() -> int:
    import polib  # type: ignore[import-untyped]  # a development tool only: `pip install polib`

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
