"""``report.html``: the bundle's readable report for people, in the team's language.

Incident summary, items with their hashes, capture claims, the drop receipt, the custody
timeline and how to verify (the ``tysha verify`` command and what each numbered step proves).
Like ``README.txt`` it is generated from the signed data only, and ``tysha verify`` regenerates
it and requires the bundle's copy to be identical, so it cannot show what the data does not say
nor hide a flag. Every value is HTML-escaped; the page carries no script and a CSP forbidding
any (a hostile report text stays text).

Languages: English, Ukrainian, Russian (``uk``, ``ru``; anything else is English). Pure.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from tysha.errors import TyshaError
from tysha.evidence.provenance import records_of
from tysha.evidence.visible import visible
from tysha.protocol import PublicIdentity

__all__ = ["LANGS", "render_report_html", "shared_by"]


def shared_by(d: Mapping[str, Any]) -> str | None:
    """For a report an analyst desk received as a share (desk/share.py): the fingerprint of
    the handler desk that signed it (its key is ``shared_by_key``, which step 5 checks against
    the share's signer); None for a report its source sent. The source's own signature is not
    in a share, so what the bundle says of the report's words is the handler desk's."""
    key = d.get("shared_by_key")
    if not isinstance(key, str) or not key:
        return None
    try:
        return PublicIdentity.from_text(key).fingerprint()
    except (TyshaError, ValueError, TypeError):
        return "-"

LANGS = ("en", "uk", "ru")

_T: dict[str, tuple[str, str]] = {
    # English: (Ukrainian, Russian)
    "Court bundle": ("Судовий пакет", "Судебный пакет"),
    "Exported by the desk": ("Експортовано робочим місцем", "Экспортировано рабочим местом"),
    "key fingerprint": ("відбиток ключа", "отпечаток ключа"),
    "reports": ("повідомлень", "сообщений"),
    "carry flags": ("мають позначки", "имеют пометки"),
    "Report": ("Повідомлення", "Сообщение"),
    "Sent from (browser or app)": ("Надіслано з (браузер чи програма)",
                                   "Отправлено из (браузер или приложение)"),
    "Flags": ("Позначки", "Пометки"),
    "none": ("немає", "нет"),
    "Incident (as the source signed it)": (
        "Подія (як її підписало джерело)",
        "Событие (как его подписал источник)",
    ),
    "Incident (as the handler desk that shared it signed it)": (
        "Подія (як її підписало робоче місце куратора, що нею поділилося)",
        "Событие (как его подписало рабочее место куратора, которое им поделилось)",
    ),
    "Signed by the handler desk that shared it (key fingerprint)": (
        "Підписано робочим місцем куратора, що ним поділилося (відбиток ключа)",
        "Подписано рабочим местом куратора, которое им поделилось (отпечаток ключа)",
    ),
    "share_signer_note": (
        "Підпис самого джерела не входить до цього пакета: текст, категорії, час, місце й "
        "вкладення засвідчує робоче місце куратора, яке поділилося цим повідомленням.",
        "Подписи самого источника нет в этом пакете: текст, категории, время, место и "
        "вложения удостоверяет рабочее место куратора, которое поделилось этим сообщением.",
    ),
    "Source (the handler desk's label)": (
        "Джерело (позначення робочого місця куратора)",
        "Источник (обозначение рабочего места куратора)",
    ),
    "Text": ("Текст", "Текст"),
    "Categories": ("Категорії", "Категории"),
    "When": ("Коли", "Когда"),
    "Where": ("Де", "Где"),
    "Written on the source's device": (
        "Написано на пристрої джерела",
        "Написано на устройстве источника",
    ),
    "Source key fingerprint": ("Відбиток ключа джерела", "Отпечаток ключа источника"),
    "Items": ("Матеріали", "Материалы"),
    "Name": ("Назва", "Название"),
    "Size (bytes)": ("Розмір (байт)", "Размер (байт)"),
    "Type": ("Тип", "Тип"),
    "Capture claims": ("Дані зйомки", "Данные съёмки"),
    "Provenance (ProofMode, C2PA), as the desk read it": (
        "Походження (ProofMode, C2PA), як його прочитало робоче місце",
        "Происхождение (ProofMode, C2PA), как его прочитало рабочее место",
    ),
    "Item": ("Файл", "Файл"),
    "Kind": ("Вид", "Вид"),
    "State": ("Стан", "Состояние"),
    "Signer": ("Підписант", "Подписант"),
    "Claims (as claimed)": ("Твердження (як заявлено)", "Утверждения (как заявлено)"),
    "Reasons": ("Причини", "Причины"),
    "Receipt in the drop's log": ("Квитанція в журналі сервера", "Квитанция в журнале сервера"),
    "Drop": ("Сервер", "Сервер"),
    "Entry": ("Запис", "Запись"),
    "Tree size": ("Розмір дерева", "Размер дерева"),
    "Root": ("Корінь", "Корень"),
    "Envelope SHA-256": ("SHA-256 конверта", "SHA-256 конверта"),
    "Received by the desk": ("Отримано робочим місцем", "Получено рабочим местом"),
    "Status (desk)": ("Статус (робоче місце)", "Статус (рабочее место)"),
    "Custody timeline (the desk's signed record)": (
        "Історія зберігання (підписаний запис робочого місця)",
        "История хранения (подписанная запись рабочего места)",
    ),
    "Time": ("Час", "Время"),
    "Action": ("Дія", "Действие"),
    "Detail": ("Деталі", "Детали"),
    "How to verify": ("Як перевірити", "Как проверить"),
    "verify_intro": (
        "Офлайн, з ключами, які ви отримали від робочого місця та сервера самі "
        "(ніколи не ті, що надруковані тут):",
        "Офлайн, с ключами, которые вы получили от рабочего места и сервера сами "
        "(никогда не те, что напечатаны здесь):",
    ),
    "What each numbered step proves": (
        "Що доводить кожен пронумерований крок",
        "Что доказывает каждый пронумерованный шаг",
    ),
}
_T["share_signer_note_en"] = (
    "The source's own signature is not in this bundle: the handler desk that shared this "
    "report vouches for its text, categories, time, place and attachments.",
    "",
)
_T["verify_intro_en"] = (
    "Offline, with the keys you obtained from the desk and the drop yourself "
    "(never the ones printed here):",
    "",
)

_STEPS = {
    "en": [
        "the archive is within bounds and its index is well-formed;",
        "the index is signed by the desk key (pin it with --desk-key);",
        "every member is present and unaltered, nothing else is, and this page and README.txt "
        "are exactly what the signed data says;",
        "each envelope is in the drop's log (inclusion proof to a checkpoint signed by the "
        "drop key; pin it with --drop-key);",
        "each envelope re-opens to this report: text, categories, time, place and attachments "
        "are the source's;",
        "the source's signature and each attachment's capture attestation hold;",
        "the custody events of these reports are complete, in order and in the desk-signed "
        "custody head, which is anchored in the drop's log (and time-stamped, and witnessed, "
        "when shown);",
        "what only the desk asserts (status, qualifications, notes) and every flag.",
    ],
    "uk": [
        "архів у межах лімітів, його індекс коректний;",
        "індекс підписано ключем робочого місця (закріпіть його через --desk-key);",
        "усі файли на місці й незмінні, зайвих немає, ця сторінка та README.txt точно "
        "відповідають підписаним даним;",
        "кожен конверт є в журналі сервера (доказ включення до контрольної точки, підписаної "
        "ключем сервера; закріпіть його через --drop-key);",
        "кожен конверт знову відкривається в це повідомлення: текст, категорії, час, місце "
        "й вкладення — від джерела;",
        "підпис джерела й атестації зйомки кожного вкладення дійсні;",
        "записи зберігання цих повідомлень повні, впорядковані й входять до підписаної "
        "голови журналу зберігання, закріпленої в журналі сервера;",
        "те, що стверджує лише робоче місце (статус, кваліфікації, нотатки), і всі позначки.",
    ],
    "ru": [
        "архив в пределах лимитов, его индекс корректен;",
        "индекс подписан ключом рабочего места (закрепите его через --desk-key);",
        "все файлы на месте и не изменены, лишних нет, эта страница и README.txt точно "
        "соответствуют подписанным данным;",
        "каждый конверт есть в журнале сервера (доказательство включения в контрольную "
        "точку, подписанную ключом сервера; закрепите его через --drop-key);",
        "каждый конверт снова открывается в это сообщение: текст, категории, время, место "
        "и вложения — от источника;",
        "подпись источника и аттестации съёмки каждого вложения действительны;",
        "записи хранения этих сообщений полны, упорядочены и входят в подписанную голову "
        "журнала хранения, закреплённую в журнале сервера;",
        "то, что утверждает только рабочее место (статус, квалификации, заметки), и все пометки.",
    ],
}


#: Step 7 for a bundle that carries no custody anchor (``anchor.json``): the lists above say
#: the head is anchored, which only an anchored bundle may (their words are kept byte for
#: byte, so the pages of anchored bundles stay what their desks signed).
_UNANCHORED = {
    "en": "the custody events of these reports are complete, in order and in the desk-signed "
    "custody head; this bundle's custody head is not anchored in a drop's log: custody rests "
    "on the desk's signature alone;",
    "uk": "записи зберігання цих повідомлень повні, впорядковані й входять до підписаної "
    "голови журналу зберігання; голова журналу цього пакета не закріплена в журналі сервера: "
    "зберігання засвідчене лише підписом робочого місця;",
    "ru": "записи хранения этих сообщений полны, упорядочены и входят в подписанную голову "
    "журнала хранения; голова журнала этого пакета не закреплена в журнале сервера: хранение "
    "засвидетельствовано лишь подписью рабочего места;",
}


#: Steps 5 and 6 for a bundle holding shared reports: their words and attachments are the
#: handler desk's (the lists above say the source's, as every page of a bundle without shares
#: keeps, byte for byte).
_SHARED_STEPS = {
    "en": (
        "each envelope re-opens to this report: text, categories, time, place and attachments "
        "are the source's (for a shared report, as the handler desk that shared it signed "
        "them);",
        "the source's signature and each attachment's capture attestation hold (for a shared "
        "report: the handler desk's signature and its re-attestations of the originals; the "
        "source's own signature is not in the bundle);",
    ),
    "uk": (
        "кожен конверт знову відкривається в це повідомлення: текст, категорії, час, місце "
        "й вкладення — від джерела (для повідомлення, яким поділилися, — як їх підписало "
        "робоче місце куратора, що ним поділилося);",
        "підпис джерела й атестації зйомки кожного вкладення дійсні (для повідомлення, яким "
        "поділилися: підпис робочого місця куратора та його повторні атестації оригіналів; "
        "підпису самого джерела в пакеті немає);",
    ),
    "ru": (
        "каждый конверт снова открывается в это сообщение: текст, категории, время, место "
        "и вложения — от источника (для сообщения, которым поделились, — как их подписало "
        "рабочее место куратора, которое им поделилось);",
        "подпись источника и аттестации съёмки каждого вложения действительны (для "
        "сообщения, которым поделились: подпись рабочего места куратора и его повторные "
        "аттестации оригиналов; подписи самого источника в пакете нет);",
    ),
}


def _tr(lang: str) -> Any:
    col = {"uk": 0, "ru": 1}.get(lang)

    def t(s: str) -> str:
        if col is None:
            return _T[f"{s}_en"][0] if f"{s}_en" in _T else s
        return _T.get(s, (s, s))[col]

    return t


def _e(v: Any) -> str:
    return html.escape("-" if v is None or v == "" else str(v), quote=True)


def _claims(c: Any) -> str:
    if not isinstance(c, Mapping):
        return "-"
    keys = [k for k in sorted(c) if k not in ("sha256", "size", "media_type", "name")]
    return "; ".join(f"{_e(k)}: {_e(c[k])}" for k in keys) or "-"


def _provenance(d: Mapping[str, Any], t: Any) -> list[str]:
    """The provenance records a report carries, as a table (nothing when it has none)."""
    records = records_of(d)
    if not records:
        return []
    out = [f"<h3>{_e(t('Provenance (ProofMode, C2PA), as the desk read it'))}</h3><table><tr>"]
    heads = ("Item", "Kind", "State", "Signer", "Claims (as claimed)", "Reasons")
    out += [f"<th>{_e(t(h))}</th>" for h in heads]
    out.append("</tr>")
    for r in records:
        signer = " / ".join(
            x for x in (r.signer, r.signer_fingerprint, r.issuer, r.claim_generator, r.signed_at)
            if x
        )
        claims = "; ".join(f"{_e(k)}: {_e(v)}" for k, v in r.highlights().items()) or "-"
        out.append(
            f"<tr><td>{_e('-' if r.attachment is None else r.attachment)}</td>"
            f"<td>{_e(r.kind)}</td><td>{_e(r.state)}</td><td>{_e(signer or '-')}</td>"
            f"<td>{claims}</td><td>{_e('; '.join(r.errors) or '-')}</td></tr>"
        )
    out.append("</table>")
    return out


def render_report_html(
    *,
    lang: str,
    desk_name: str,
    desk_fingerprint: str,
    drops: Mapping[str, str],
    reports: Sequence[tuple[str, Mapping[str, Any], Sequence[Any]]],
    custody: Mapping[str, Sequence[Mapping[str, Any]]],
    anchored: bool,
    raw: bool = False,
    shares_as_source: bool = False,
) -> bytes:
    """The page, as bytes (UTF-8). ``reports``: (id, report.json, flags with .code/.reason);
    ``custody``: report id -> its custody events (dicts as in the segment); ``anchored``:
    whether the bundle carries a custody anchor (what step 7 is said to prove depends on it).

    A source's control, format and separator characters (a bidi override in a file name,
    zero-width characters in a place) are visible tokens (:mod:`visible`; HTML's white space,
    line breaks and tabs, stays). ``raw``: as desks made the page before (those characters as
    they are), which the verifier still accepts, and says so. A shared report (:func:`shared_by`)
    is said to be signed by the handler desk that shared it; ``shares_as_source``: as desks
    made the page before, every report headed as the source signed it (accepted, and said)."""
    t = _tr(lang if lang in LANGS else "en")
    flagged = sum(1 for _r, _d, fl in reports if fl)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{_e(lang if lang in LANGS else "en")}"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>{_e(t('Court bundle'))}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:.2em;"
        "text-align:left;vertical-align:top;word-break:break-all}.flag{color:#a00;"
        "font-weight:bold}code{word-break:break-all}</style></head><body>",
        f"<h1>{_e(t('Court bundle'))}</h1>",
        f"<p>{_e(t('Exported by the desk'))} <b>{_e(desk_name)}</b>, "
        f"{_e(t('key fingerprint'))} <code>{_e(desk_fingerprint)}</code>.</p>",
        f"<p>{len(reports)} {_e(t('reports'))}; {flagged} {_e(t('carry flags'))}.</p>",
    ]
    for rid, d, fl in reports:
        out.append(f"<section><h2>{_e(t('Report'))} <code>{_e(rid)}</code></h2>")
        if fl:
            out.append(f'<p class="flag">{_e(t("Flags"))}:</p><ul>')
            out += [f'<li class="flag">{_e(f.code)}: {_e(f.reason)}</li>' for f in fl]
            out.append("</ul>")
        else:
            out.append(f"<p>{_e(t('Flags'))}: {_e(t('none'))}</p>")
        cats = ", ".join(str(c) for c in d.get("categories", []) or [])
        handler = None if shares_as_source else shared_by(d)
        if handler is None:
            out.append(f"<h3>{_e(t('Incident (as the source signed it)'))}</h3><table>")
            signer: tuple[tuple[str, Any], ...] = (
                ("Source key fingerprint", d.get("source_fingerprint")),
            )
        else:
            heading = t("Incident (as the handler desk that shared it signed it)")
            out.append(f"<h3>{_e(heading)}</h3><p>{_e(t('share_signer_note'))}</p><table>")
            signer = (
                ("Signed by the handler desk that shared it (key fingerprint)", handler),
                ("Source (the handler desk's label)", d.get("source_label")),
            )
        for label, value in (
            ("Text", d.get("text")),
            ("Categories", cats),
            ("When", d.get("when")),
            ("Where", d.get("where")),
            ("Written on the source's device", d.get("created_at")),
            *signer,
            # Only in bundles whose desk recorded it (issue 11): older bundles stay identical.
            *([("Sent from (browser or app)", d.get("client"))] if "client" in d else []),
        ):
            out.append(f"<tr><th>{_e(t(label))}</th><td>{_e(value)}</td></tr>")
        out.append("</table>")
        out.append(f"<h3>{_e(t('Items'))}</h3><table><tr>")
        out += [f"<th>{_e(t(h))}</th>" for h in ("Name", "Size (bytes)", "Type")]
        out.append(f"<th>SHA-256</th><th>{_e(t('Capture claims'))}</th></tr>")
        for a in d.get("attachments", []) or []:
            if isinstance(a, Mapping):
                out.append(
                    f"<tr><td>{_e(a.get('name'))}</td><td>{_e(a.get('size'))}</td>"
                    f"<td>{_e(a.get('media_type'))}</td><td><code>{_e(a.get('sha256'))}</code>"
                    f"</td><td>{_claims(a.get('claims'))}</td></tr>"
                )
        out.append("</table>")
        out += _provenance(d, t)
        raw_cp = d.get("checkpoint")
        cp: Mapping[str, Any] = raw_cp if isinstance(raw_cp, Mapping) else {}
        receipt_title = t("Receipt in the drop's log")
        out.append(f"<h3>{_e(receipt_title)}</h3>")
        out.append("<table>")
        for label, value in (
            ("Drop", d.get("drop")),
            ("Entry", d.get("index")),
            ("Tree size", cp.get("size")),
            ("Root", cp.get("root")),
            ("Envelope SHA-256", d.get("envelope_digest")),
            ("Received by the desk", d.get("received_at")),
            ("Status (desk)", d.get("status", "new")),
        ):
            out.append(f"<tr><th>{_e(t(label))}</th><td><code>{_e(value)}</code></td></tr>")
        out.append("</table>")
        custody_title = t("Custody timeline (the desk's signed record)")
        out.append(f"<h3>{_e(custody_title)}</h3>")
        out.append(
            f"<table><tr><th>#</th><th>{_e(t('Time'))}</th><th>{_e(t('Action'))}</th>"
            f"<th>{_e(t('Detail'))}</th></tr>"
        )
        for ev in custody.get(rid, []):
            raw_detail = ev.get("detail")
            detail: Mapping[str, Any] = raw_detail if isinstance(raw_detail, Mapping) else {}
            text = "; ".join(f"{_e(k)}: {_e(detail[k])}" for k in sorted(detail)) or "-"
            out.append(
                f"<tr><td>{_e(ev.get('seq'))}</td><td>{_e(ev.get('at'))}</td>"
                f"<td>{_e(ev.get('action'))}</td><td>{text}</td></tr>"
            )
        out.append("</table></section>")
    out.append(f"<h2>{_e(t('How to verify'))}</h2><p>{_e(t('verify_intro'))}</p>")
    out.append(
        "<pre>tysha verify THIS_FILE.zip --desk-key DESK_FINGERPRINT --drop-key DROP_VKEY"
        " [--witness WITNESS_VKEY ... --witnesses-needed K] [--tsa-root TSA_ROOT.pem]</pre>"
    )
    out.append(f"<p>{_e(t('What each numbered step proves'))}:</p><ol>")
    steps = list(_STEPS.get(lang, _STEPS["en"]))
    if not anchored:
        steps[6] = _UNANCHORED.get(lang, _UNANCHORED["en"])
    if not shares_as_source and any(shared_by(d) is not None for _r, d, _f in reports):
        steps[4:6] = _SHARED_STEPS.get(lang, _SHARED_STEPS["en"])
    out += [f"<li>{_e(s)}</li>" for s in steps]
    out.append("</ol>")
    if drops:
        out.append(f"<h3>{_e(t('Drop'))}</h3><ul>")
        out += [
            f"<li><code>{_e(u)}</code> <code>{_e(v)}</code></li>" for u, v in sorted(drops.items())
        ]
        out.append("</ul>")
    out.append("</body></html>\n")
    text = "\n".join(out)
    return (text if raw else visible(text, keep="\t\n\r")).encode("utf-8")
