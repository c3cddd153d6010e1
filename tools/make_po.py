"""Write the uk/ru/en gettext catalogs from the table below (run after changing strings).

python tools/make_po.py
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

# msgid: (Ukrainian, Russian)
T: dict[str, tuple[str, str]] = {
    "Attachments": ("Вкладення", "Вложения"),
    "Capture claims (EXIF as data)": (
        "Дані зйомки (EXIF як дані)",
        "Данные съёмки (EXIF как данные)",
    ),
    "Capture signature and hashes": ("Підпис і хеші під час зйомки", "Подпись и хеши при съёмке"),
    "Categories": ("Категорії", "Категории"),
    "Category": ("Категорія", "Категория"),
    "Checks": ("Перевірки", "Проверки"),
    "Confidence": ("Упевненість", "Уверенность"),
    "Custody log": ("Журнал зберігання", "Журнал хранения"),
    "Desk passphrase": ("Пароль робочого місця", "Пароль рабочего места"),
    "Download original (open only on an isolated machine)": (
        "Завантажити оригінал (відкривати лише на ізольованому комп'ютері)",
        "Скачать оригинал (открывать только на изолированном компьютере)",
    ),
    "Drop address": ("Адреса сервера прийому", "Адрес сервера приёма"),
    "Drop log key": ("Ключ журналу сервера", "Ключ журнала сервера"),
    "Drop": ("Сервер прийому", "Сервер приёма"),
    "Enrolled": ("Підключено", "Подключён"),
    "FAILED": ("НЕ ПРОЙДЕНО", "НЕ ПРОЙДЕНО"),
    "Filter": ("Фільтрувати", "Фильтровать"),
    "From": ("Від", "С"),
    "Inbox": ("Вхідні", "Входящие"),
    "Invitations": ("Запрошення", "Приглашения"),
    "Key fingerprint": ("Відбиток ключа", "Отпечаток ключа"),
    "Legal qualification": ("Правова кваліфікація", "Правовая квалификация"),
    "Log consistency": ("Узгодженість журналу", "Согласованность журнала"),
    "Log in": ("Увійти", "Войти"),
    "Log out": ("Вийти", "Выйти"),
    "Made": ("Створено", "Создано"),
    "Make a one-time invitation": (
        "Створити одноразове запрошення",
        "Создать одноразовое приглашение",
    ),
    "New invitation — hand it over in person": (
        "Нове запрошення — передайте його особисто",
        "Новое приглашение — передайте его лично",
    ),
    "No attachments.": ("Без вкладень.", "Без вложений."),
    "No reports match.": ("Немає відповідних повідомлень.", "Нет подходящих сообщений."),
    "No sources yet.": ("Джерел ще немає.", "Источников пока нет."),
    "Not shown: this file could be hostile.": (
        "Не показано: файл може бути шкідливим.",
        "Не показано: файл может быть вредоносным.",
    ),
    "Note": ("Нотатка", "Заметка"),
    "Notes": ("Нотатки", "Заметки"),
    "One-time code (if enabled)": (
        "Одноразовий код (якщо ввімкнено)",
        "Одноразовый код (если включён)",
    ),
    "Open the desk": ("Відкрити робоче місце", "Открыть рабочее место"),
    "Pseudonym": ("Псевдонім", "Псевдоним"),
    "Qualifications": ("Кваліфікації", "Квалификации"),
    "Receipt in the drop's log": ("Квитанція в журналі сервера", "Квитанция в журнале сервера"),
    "Received": ("Отримано", "Получено"),
    "Reply sent.": ("Відповідь надіслано.", "Ответ отправлен."),
    "Reply to the source": ("Відповісти джерелу", "Ответить источнику"),
    "Report": ("Повідомлення", "Сообщение"),
    "Reports are hostile until proven otherwise: never open originals on this machine.": (
        "Повідомлення вважаються небезпечними, доки не доведено протилежне: ніколи не відкривайте оригінали на цьому комп'ютері.",
        "Сообщения считаются опасными, пока не доказано обратное: никогда не открывайте оригиналы на этом компьютере.",
    ),
    "Reviewer": ("Рецензент", "Рецензент"),
    "Revoke key": ("Відкликати ключ", "Отозвать ключ"),
    "Save": ("Зберегти", "Сохранить"),
    "Saved.": ("Збережено.", "Сохранено."),
    "Search": ("Пошук", "Поиск"),
    "Send encrypted reply": ("Надіслати зашифровану відповідь", "Отправить зашифрованный ответ"),
    "Something was refused": ("Дію відхилено", "Действие отклонено"),
    "Source": ("Джерело", "Источник"),
    "Sources": ("Джерела", "Источники"),
    "Status": ("Статус", "Статус"),
    "To": ("До", "По"),
    "Too many attempts; wait a little.": (
        "Забагато спроб; зачекайте трохи.",
        "Слишком много попыток; подождите немного.",
    ),
    "Triage": ("Сортування", "Сортировка"),
    "Tysha desk": ("Тиша: робоче місце", "Тиша: рабочее место"),
    "Verification": ("Перевірка", "Проверка"),
    "When": ("Коли", "Когда"),
    "Where": ("Де", "Где"),
    "Written": ("Написано", "Написано"),
    "Wrong one-time code.": ("Неправильний одноразовий код.", "Неверный одноразовый код."),
    "Wrong passphrase.": ("Неправильний пароль.", "Неверный пароль."),
    "all": ("усі", "все"),
    "bytes": ("байт", "байт"),
    "capture not verified": ("зйомку не підтверджено", "съёмка не подтверждена"),
    "capture verified": ("зйомку підтверджено", "съёмка подтверждена"),
    "desk": ("робоче місце", "рабочее место"),
    "entry": ("запис", "запись"),
    "high": ("висока", "высокая"),
    "low": ("низька", "низкая"),
    "medium": ("середня", "средняя"),
    "reports": ("повідомлень", "сообщений"),
    "revoked key: do not trust": ("ключ відкликано: не довіряти", "ключ отозван: не доверять"),
    "revoked": ("відкликано", "отозван"),
    "verified": ("перевірено", "проверено"),
    "words in the text or place": ("слова в тексті чи місці", "слова в тексте или месте"),
    "new": ("нове", "новое"),
    "reviewing": ("на розгляді", "на рассмотрении"),
    "escalated": ("передано далі", "передано дальше"),
    "Protected field": ("Захищене поле", "Защищённое поле"),
    "Real name (only if you must; stored encrypted, never exported)": (
        "Справжнє ім'я (лише якщо конче треба; зберігається зашифрованим, ніколи не експортується)",
        "Настоящее имя (только если необходимо; хранится зашифрованным, никогда не экспортируется)",
    ),
    # the source CLI
    "sealed into the outbox.": ("запечатано у вихідні.", "запечатано в исходящие."),
    "enrolled. Compare this fingerprint with your handler, in person:": (
        "підключено. Звірте цей відбиток із куратором особисто:",
        "подключено. Сверьте этот отпечаток с куратором лично:",
    ),
    "the original files are still on this device. Remove them yourself, or run again with --shred-originals (best effort on flash storage).": (
        "оригінальні файли досі на цьому пристрої. Видаліть їх самі або запустіть знову з --shred-originals (на флеш-пам'яті без гарантії).",
        "оригинальные файлы всё ещё на этом устройстве. Удалите их сами или запустите снова с --shred-originals (на флеш-памяти без гарантии).",
    ),
    "the originals were overwritten and removed. On phones and USB flash this is best effort: old copies may survive inside the storage chip.": (
        "оригінали перезаписано й видалено. На телефонах і флешках це без гарантії: старі копії можуть лишитися в мікросхемі пам'яті.",
        "оригиналы перезаписаны и удалены. На телефонах и флешках это без гарантии: старые копии могут остаться в микросхеме памяти.",
    ),
    "sent {sent}, receipts verified; {waiting} still waiting": (
        "надіслано {sent}, квитанції перевірено; ще чекають {waiting}",
        "отправлено {sent}, квитанции проверены; ещё ждут {waiting}",
    ),
    "vault ready: {size} bytes": ("сховище готове: {size} байт", "хранилище готово: {size} байт"),
    "done.": ("готово.", "готово."),
}


def main() -> None:
    root = Path(__file__).resolve().parent.parent / "src" / "tysha" / "locale"
    for i, lang in enumerate(("uk", "ru")):
        cat = Catalog(locale=lang, project="tysha", version="1", charset="utf-8")
        for msgid, pair in T.items():
            cat.add(msgid, pair[i])
        with open(root / lang / "LC_MESSAGES" / "tysha.po", "wb") as f:
            write_po(f, cat, width=0, omit_header=False)
    cat = Catalog(locale="en", project="tysha", version="1", charset="utf-8")
    for msgid in T:
        cat.add(msgid, msgid)
    with open(root / "en" / "LC_MESSAGES" / "tysha.po", "wb") as f:
        write_po(f, cat, width=0)


if __name__ == "__main__":
    main()
