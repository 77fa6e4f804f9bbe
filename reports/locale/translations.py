"""Translations of the report app, kept as one table so nl and fr stay in step.

After `make messages` (or `cd reports && django-admin makemessages -l nl -l en -l fr`), run
`python reports/locale/translations.py` to fill every empty translation from this table (en:
the source text), then `make messages` / `django-admin compilemessages` again to compile."""

from pathlib import Path

T = {
    "Looking back on the plan period": ("Terugblik op de looptijd", "Bilan sur la durée du plan"),
    "Store the published report": (
        "Het gepubliceerde rapport vastleggen",
        "Archiver le rapport publié",
    ),
    "kind": ("soort", "type"),
    "A freeze job stores the published report's documents when a round is published.": (
        "Een vastlegtaak slaat de documenten van het gepubliceerde rapport op wanneer een ronde "
        "wordt gepubliceerd.",
        "Une tâche d’archivage enregistre les documents du rapport publié lors de la "
        "publication d’un cycle.",
    ),
    "Storing the published report": (
        "Het gepubliceerde rapport wordt vastgelegd",
        "Archivage du rapport publié",
    ),
    "Stored %(count)s documents of the published report.": (
        "%(count)s documenten van het gepubliceerde rapport vastgelegd.",
        "%(count)s documents du rapport publié archivés.",
    ),
    "Reports": ("Rapportages", "Rapports"),
    "Unknown layout %(layout)s.": (
        "Onbekende indeling %(layout)s.",
        "Mise en page inconnue %(layout)s.",
    ),
    "%(plan)s has no reporting round for %(year)s.": (
        "%(plan)s heeft geen rapportageronde voor %(year)s.",
        "%(plan)s n’a pas de cycle de rapport pour %(year)s.",
    ),
    "Final report on %(plan)s %(first)s–%(last)s": (
        "Eindrapportage %(plan)s %(first)s–%(last)s",
        "Rapport final sur le %(plan)s %(first)s–%(last)s",
    ),
    "Progress over the plan period, per strategic goal": (
        "Voortgang over de looptijd van het plan, per strategisch doel",
        "Progrès sur la durée du plan, par objectif stratégique",
    ),
    "Progress per strategic goal, %(first)s–%(last)s": (
        "Voortgang per strategisch doel, %(first)s–%(last)s",
        "Progrès par objectif stratégique, %(first)s–%(last)s",
    ),
    "Progress report on %(plan)s for the year %(year)s": (
        "Voortgangsrapportage %(plan)s over het jaar %(year)s",
        "Rapport d’avancement du %(plan)s pour l’année %(year)s",
    ),
    "Progress per organisation": ("Voortgang per organisatie", "Progrès par organisation"),
    "Progress per strategic goal, across organisations": (
        "Voortgang per strategisch doel, over alle organisaties",
        "Progrès par objectif stratégique, toutes organisations confondues",
    ),
    "Annex 1: progress on the implementation of %(plan)s in %(year)s": (
        "Bijlage 1: Voortgangsrapportage implementatie %(plan)s over het jaar %(year)s",
        "Annexe 1 : progrès de la mise en œuvre du %(plan)s en %(year)s",
    ),
    "DRAFT": ("CONCEPT", "PROJET"),
    "Page": ("Pagina", "Page"),
    "of": ("van", "sur"),
    "This preview contains entries that are not approved. It is not the report.": (
        "Deze voorvertoning bevat bijdragen die niet zijn goedgekeurd. Het is niet de rapportage.",
        "Cet aperçu contient des contributions non approuvées. Ce n’est pas le rapport.",
    ),
    "Contents": ("Inhoud", "Table des matières"),
    "Update this field in Word to show the table of contents.": (
        "Werk dit veld bij in Word om de inhoudsopgave te tonen.",
        "Mettez ce champ à jour dans Word pour afficher la table des matières.",
    ),
    "Letter to parliament": ("Kamerbrief", "Lettre au parlement"),
    "Date": ("Datum", "Date"),
    "Subject": ("Betreft", "Objet"),
    "Our reference": ("Onze referentie", "Notre référence"),
    "Strategic goal %(number)s": ("Strategisch doel %(number)s", "Objectif stratégique %(number)s"),
    "Subgoal %(number)s": ("Subdoel %(number)s", "Sous-objectif %(number)s"),
    "Strategic goal %(number)s: ": (
        "Strategisch doel %(number)s: ",
        "Objectif stratégique %(number)s : ",
    ),
    "Totals over the plan period": ("Totalen over de looptijd", "Totaux sur la durée du plan"),
    "Organisation": ("Organisatie", "Organisation"),
    "Reported values": ("Gerapporteerde waarden", "Valeurs rapportées"),
    "Category": ("Categorie", "Catégorie"),
    "Examples": ("Voorbeelden", "Exemples"),
    "References": ("Verwijzingen", "Références"),
    "No input received from %(organisation)s.": (
        "Geen inbreng ontvangen van %(organisation)s.",
        "Aucune contribution reçue de %(organisation)s.",
    ),
    "Total": ("Totaal", "Total"),
    "Format": ("Formaat", "Format"),
    "Annex layout": ("Indeling van de bijlage", "Mise en page de l’annexe"),
    "Language": ("Taal", "Langue"),
    "Draft preview: include entries that are not approved yet": (
        "Conceptversie: ook bijdragen die nog niet zijn goedgekeurd",
        "Aperçu provisoire : inclure les contributions pas encore approuvées",
    ),
    "Every page of a draft preview says DRAFT.": (
        "Op elke pagina van een conceptversie staat CONCEPT.",
        "Chaque page d’un aperçu provisoire porte la mention PROJET.",
    ),
    "Final report over the plan period up to this year": (
        "Eindrapportage over de looptijd tot en met dit jaar",
        "Rapport final sur la durée du plan jusqu’à cette année",
    ),
    "PDF (tagged)": ("PDF (toegankelijk)", "PDF (balisé)"),
    "Word (DOCX)": ("Word (DOCX)", "Word (DOCX)"),
    "HTML": ("HTML", "HTML"),
    "By organisation": ("Per organisatie", "Par organisation"),
    "By strategic goal, across organisations": (
        "Per strategisch doel, over alle organisaties",
        "Par objectif stratégique, toutes organisations confondues",
    ),
    "Waiting": ("Wacht", "En attente"),
    "Being generated": ("Wordt gemaakt", "En cours de création"),
    "Ready": ("Klaar", "Prêt"),
    "Failed": ("Mislukt", "Échec"),
    "Reading the entries": ("Bijdragen lezen", "Lecture des contributions"),
    "Writing the HTML": ("HTML schrijven", "Écriture du HTML"),
    "Laying out the pages": ("Pagina’s opmaken", "Mise en page"),
    "Writing the document": ("Document schrijven", "Écriture du document"),
    "Waiting for the report worker": (
        "Wacht op de rapportageverwerking",
        "En attente du service de rapports",
    ),
    "Say what a corrected version corrects.": (
        "Geef aan wat de gecorrigeerde versie verbetert.",
        "Indiquez ce que corrige la version corrigée.",
    ),
    "Only a published round has a published report.": (
        "Alleen een gepubliceerde ronde heeft een gepubliceerde rapportage.",
        "Seul un cycle publié a un rapport publié.",
    ),
    "Indicator": ("Indicator", "Indicateur"),
    "Baseline": ("Nulmeting", "Valeur de référence"),
    "Target": ("Streefwaarde", "Cible"),
    "draft": ("concept", "projet"),
    "Women, Peace and Security": ("Vrouwen, Vrede en Veiligheid", "Femmes, paix et sécurité"),
    "Plan period": ("Periode", "Période"),
    "No progress has been reported yet.": (
        "Er is nog geen voortgang gerapporteerd.",
        "Aucun progrès n’a encore été rapporté.",
    ),
    "Report": ("Rapportage", "Rapport"),
    "Report %(plan)s %(year)s": ("Rapportage %(plan)s %(year)s", "Rapport %(plan)s %(year)s"),
    "final report": ("eindrapportage", "rapport final"),
    "This page refreshes by itself.": (
        "Deze pagina ververst vanzelf.",
        "Cette page s’actualise d’elle-même.",
    ),
    "The report could not be generated.": (
        "De rapportage kon niet worden gemaakt.",
        "Le rapport n’a pas pu être créé.",
    ),
    "Download %(name)s": ("%(name)s downloaden", "Télécharger %(name)s"),
    "Back to the reports": ("Terug naar de rapportages", "Retour aux rapports"),
    "Reports %(plan)s %(year)s": ("Rapportages %(plan)s %(year)s", "Rapports %(plan)s %(year)s"),
    "Report to parliament: %(plan)s, %(year)s": (
        "Rapportage aan de Kamer: %(plan)s, %(year)s",
        "Rapport au parlement : %(plan)s, %(year)s",
    ),
    "The report holds the cover letter and every approved and published entry. It is generated in the background; this page shows its progress.": (  # noqa: E501
        "De rapportage bevat de Kamerbrief en alle goedgekeurde en gepubliceerde bijdragen. "
        "Ze wordt op de achtergrond gemaakt; deze pagina toont de voortgang.",
        "Le rapport contient la lettre et toutes les contributions approuvées et publiées. "
        "Il est créé en arrière-plan ; cette page en montre l’avancement.",
    ),
    "Generate the report": ("Rapportage maken", "Créer le rapport"),
    "Recent requests": ("Recente aanvragen", "Demandes récentes"),
    "Requested at": ("Aangevraagd op", "Demandé le"),
    "Document": ("Document", "Document"),
    "Status": ("Status", "Statut"),
    "Actions": ("Acties", "Actions"),
    "Download": ("Downloaden", "Télécharger"),
    "Follow": ("Volgen", "Suivre"),
    "No reports requested yet.": ("Nog geen rapportages aangevraagd.", "Aucun rapport demandé."),
    "Published versions": ("Gepubliceerde versies", "Versions publiées"),
    "version %(version)s": ("versie %(version)s", "version %(version)s"),
    "The report is stored here for good when the round is published.": (
        "De rapportage wordt hier blijvend bewaard zodra de ronde is gepubliceerd.",
        "Le rapport est conservé ici définitivement dès la publication du cycle.",
    ),
    # Labels of other apps that the report prints (see CONTEXT).
    "Participation": ("Participatie", "Participation"),
    "Prevention": ("Preventie", "Prévention"),
    "Protection": ("Bescherming", "Protection"),
    "Relief and recovery": ("Noodhulp, wederopbouw en herstel", "Secours et relèvement"),
    "Mainstreaming": ("Mainstreaming", "Intégration transversale"),
    "Nothing to report": ("Niets te melden", "Rien à signaler"),
    "No data available": ("Geen gegevens beschikbaar", "Aucune donnée disponible"),
    "Draft": ("Concept", "Brouillon"),
    "Submitted": ("Ingediend", "Soumis"),
    "Returned for revision": ("Teruggestuurd", "Renvoyé pour révision"),
    "Approved": ("Goedgekeurd", "Approuvé"),
    "Published": ("Gepubliceerd", "Publié"),
}


MODEL_WORDS = {
    "round": ("ronde", "cycle"),
    "requested by": ("aangevraagd door", "demandé par"),
    "format": ("formaat", "format"),
    "layout": ("indeling", "mise en page"),
    "language": ("taal", "langue"),
    "draft preview": ("conceptversie", "aperçu provisoire"),
    "final report over the plan period": (
        "eindrapportage over de looptijd",
        "rapport final sur la durée du plan",
    ),
    "status": ("status", "statut"),
    "progress (%)": ("voortgang (%)", "avancement (%)"),
    "step": ("stap", "étape"),
    "error": ("fout", "erreur"),
    "requested at": ("aangevraagd op", "demandé le"),
    "started at": ("gestart op", "commencé le"),
    "finished at": ("klaar op", "terminé le"),
    "file name": ("bestandsnaam", "nom du fichier"),
    "content type": ("inhoudstype", "type de contenu"),
    "content": ("inhoud", "contenu"),
    "SHA-256": ("SHA-256", "SHA-256"),
    "report job": ("rapportageopdracht", "tâche de rapport"),
    "report jobs": ("rapportageopdrachten", "tâches de rapport"),
    "version": ("versie", "version"),
    "note": ("toelichting", "note"),
    "Why a corrected version was issued.": (
        "Waarom een gecorrigeerde versie is uitgebracht.",
        "Pourquoi une version corrigée a été publiée.",
    ),
    "published at": ("gepubliceerd op", "publié le"),
    "published by": ("gepubliceerd door", "publié par"),
    "published report": ("gepubliceerde rapportage", "rapport publié"),
    "published reports": ("gepubliceerde rapportages", "rapports publiés"),
    "Unknown format %(format)s.": ("Onbekend formaat %(format)s.", "Format inconnu %(format)s."),
    "Unknown language %(language)s.": (
        "Onbekende taal %(language)s.",
        "Langue inconnue %(language)s.",
    ),
}
T.update(MODEL_WORDS)

# Words other apps use too get the context "report" in the code (pgettext / {% translate ...
# context "report" %}), so this catalogue translates only the report's own use of them.
LANGUAGES = ("nl", "fr")
PLURAL_FORMS = {
    "nl": "nplurals=2; plural=(n != 1);",
    "en": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
}


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def fill(path: Path, language: str) -> list[str]:
    """Fill the empty translations of one catalogue; returns the msgids still missing."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    missing, out = [], []
    for number, block in enumerate(blocks):
        lines = block.splitlines()
        if number == 0:
            lines = [
                line
                for line in lines
                if not line.startswith("#, fuzzy")
                and not line.startswith('"Language:')
                and not line.startswith('"Plural-Forms:')
            ]
            # The header's strings end at the first line that is not a string.
            start = lines.index('msgstr ""') + 1
            end = next(
                (i for i in range(start, len(lines)) if not lines[i].startswith('"')), len(lines)
            )
            lines[end:end] = [
                f'"Language: {language}\\n"',
                f'"Plural-Forms: {PLURAL_FORMS[language]}\\n"',
            ]
            if end < len(lines) - 2:  # an entry shares the header's block: split it off
                blocks.insert(number + 1, "\n".join(lines[end + 2 :]))
                lines = lines[: end + 2]
            out.append("\n".join(lines))
            continue
        if not any(line.startswith("msgid ") for line in lines) or block.lstrip().startswith("#~"):
            out.append(block)
            continue
        fields, current = {}, None
        for line in lines:
            for key in ("msgctxt", "msgid", "msgstr"):
                if line.startswith(key + " "):
                    current = key
                    fields[key] = [line[len(key) + 1 :]]
                    break
            else:
                if line.startswith('"') and current:
                    fields[current].append(line)
        msgid = "".join(part[1:-1] for part in fields["msgid"]).replace('\\"', '"')
        msgstr = "".join(part[1:-1] for part in fields["msgstr"])
        kept = [
            line
            for line in lines
            if line.startswith("#")
            and not line.startswith("#, fuzzy")
            and not line.startswith("#| ")
        ]
        if language == "en":
            target = msgid
        elif msgid in T:
            target = T[msgid][LANGUAGES.index(language)]
        elif msgstr:
            target = None
        else:
            missing.append(msgid)
            target = ""
        if target is None:
            out.append("\n".join(line for line in lines if not line.startswith("#, fuzzy")))
            continue
        if "msgctxt" in fields:
            kept.append("msgctxt " + "".join(fields["msgctxt"]))
        kept.append(f'msgid "{escape(msgid)}"')
        kept.append(f'msgstr "{escape(target)}"')
        out.append("\n".join(kept))
    path.write_text("\n\n".join(out), encoding="utf-8")
    return missing


if __name__ == "__main__":
    here = Path(__file__).parent
    for language in ("nl", "en", "fr"):
        po = here / language / "LC_MESSAGES" / "django.po"
        if po.exists():
            left = fill(po, language)
            print(f"{po}: {len(left)} untranslated", *left, sep="\n  ")
