"""ESS share of a programme's host list as bounds: name rules, register evidence, hand-computed bounds."""

import pandas as pd
import pytest

from essnum.funding.programme import (
    classify_hosts,
    ess_share_bounds,
    funding_by,
    host_name_rules,
    match_name_rule,
    normalise_name,
)

# Names each rule must find (as whole words) and names it must not: real CnFS host names where possible.
RULE_CASES = {
    "scop": (["SCOP LES ATELIERS DU LOT", "ATELIER NUMERIQUE SCOP SARL",
              "Société coopérative ouvrière de production du Lot"],
             ["SCOPE NUMERIQUE", "TELESCOPE", "LES SCOPS"]),
    "scic": (["SCIC TETRIS", "Société Coopérative d'Intérêt Collectif Enercoop"],
             ["SCICOM", "ASCIC", "LA CYCLERIE SCICS"]),
    "cooperative": (["COOPERATIVE D ACTIVITES ET D EMPLOI", "Société coopérative agricole du Val",
                     "LA COOPÉRATIVE NUMÉRIQUE"],
                    ["LA COOP DES SAVOIRS", "AGC CUMA OUEST", "COOPERATIVE SCOLAIRE ECOLE JULES FERRY",
                     "UNION DES COOPERATIVES", "COOPERATION DECENTRALISEE"]),
    "udaf": (["UNION DEP ASSOCIATIONS FAMILIALES", "UNION DEPART ASSOC FAMILIALES LOIRE",
              "UNION DEPARTEMENTALE DES ASSOCIATIONS FAMILIALES DU RHONE ET DE LA METROPLE",
              "UNION DES ASSOCIATIONS FAMILIALES", "UNION DEP ASSOCIATIONS FAMILLE",
              "Union départementale des associations familiales de l'Ain"],
             ["CONSEIL DEP ASS FAMILIALES LAIQUES", "FEDER DEP DES ASS FAMIL RURALE",
              "UNION FRANCAISE CENTRE VACANCES LOISIRS", "ASSOC CENTRE SOCIO CULTUREL SARRE UNION",
              "REUNION DES ASSOCIATIONS FAMILIALES"]),
    "association": (["ASSOCIATION TREMPLIN", "FOYER FRATERNEL ASSOCIATION", "AWS-ASSOCIATION WEB SOLIDARITE FRANCE",
                     "l'Association des amis du livre", "MISSION LOCALE ASSOCIATION"],
                    ["CENTRE ASSOCIATIF HAMEAU FRATERNITE", "UNION DES ASSOCIATIONS FAMILIALES",
                     "INTERASSOCIATION DU QUARTIER", "ASSOCIATIONNISTES REUNIS"]),
    "association_abbreviation": (["ASS CENTRE SOCIAL DE GRIGNY", "ASS.CONSEILS RESSOUR. ILLET. ANALPHAB.",
                                  "ASSO AIDE PROMOTION EMPLOI DES JEUNES", "ASSOC UNIONISTE DU ROCHETON"],
                                 ["FEDERATION ASS LAIQUES DE LA MAYENNE", "ENSEMBLE INTER ASS INTERCULTUREL YVELINE",
                                  "FAMILLES RURALES ASS BRIOUZE ET ENVIRONS", "ASSURANCES DU LOT",
                                  "ASSISTANCE INFORMATIQUE", "ASSOCIES CONSEIL"]),
    "foundation": (["FONDATION ORANGE", "Fondation de France"],
                   ["EMMAUS CONNECT FONDATEUR ABBE PIERRE", "FONDS DE DOTATION NUMERIQUE", "REFONDATION"]),
    "mutual": (["MUTUELLE GENERALE DE L EDUCATION NATIONALE", "UNION MUTUALISTE DU LOT"],
               ["MSA DES CHARENTES", "MUTUALITE SOCIALE AGRICOLE", "CREDIT MUTUEL", "MUTUELLES REUNIES"]),
    "gip": (["GIP REUSSIR EN SAMBRE AVESNOIS", "Groupement d'intérêt public Territoires"],
            ["TERRITOIRES NUMERIQUES BFC", "GIPSY NUMERIQUE"]),
    "ccas": (["CENTRE COMMUNAL D'ACTION SOCIALE", "CCAS DE NICE", "CIAS DU PAYS DE GEX",
              "Centre intercommunal d'action sociale du Val"],
             ["CENTRE SOCIAL INTERCOMMUNAL", "CENTRE SOCIAL ET CULTUREL", "ACCASSIA"]),
    "oph": (["OFFICE PUBLIC DE L HABITAT DU DEPARTEMENT DES LANDES", "Office public de l'habitat de Nice"],
            ["OFFICE DES SENIORS DE CHALONS CHAMPAGNE", "OFFICE MUNICIPAL DES SPORTS", "TOPHAT"]),
    "sas": (["BLUECONFIG SAS", "S.A.S. DUPONT", "DUPONT SASU", "Société par actions simplifiée Martin",
             "CERCLE SAS", "SAS LE CERCLE"],
            ["SASSENAGE NUMERIQUE", "OASIS", "LE SAS", "LES SAS DE LA CITE", "ASSOCIATION DU SAS"]),
    "sarl": (["DEV AND YOU SARL", "S.A.R.L. MARTIN", "EURL DUPUIS"],
             ["ASSOC CENTRE SOCIO CULTUREL SARRE UNION", "SARLAT INFORMATIQUE"]),
    "sa": (["ORANGE SA", "DUPONT S.A.", "Société anonyme des eaux"],
           ["ASS MIEUX VIVRE DANS SA VILLE", "SALLE SAINT BRUNO", "SAPIE", "SA VIE EN NUMERIQUE"]),
    "snc": (["DUPONT SNC", "Société en nom collectif Martin"], ["SNCF CONNECT", "ASNC"]),
}


def _rules() -> dict:
    return {rule.rule_id: rule for rule in host_name_rules()}


def test_every_rule_is_valid_documented_and_tested():
    rules = _rules()
    assert set(rules) == set(RULE_CASES), "each rule of host_name_rules.csv needs match / no-match cases here"
    for rule in rules.values():
        assert rule.source and rule.note
        assert rule.ess == ("no" if rule.host_class in ("company", "public") else "proven")


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_matches_whole_words_only(rule_id):
    rule = _rules()[rule_id]
    must, must_not = RULE_CASES[rule_id]
    for name in must:
        assert rule.matches(normalise_name(name)), f"{rule_id} should match {name!r}"
    for name in must_not:
        assert not rule.matches(normalise_name(name)), f"{rule_id} should not match {name!r}"


def test_normalisation_removes_accents_case_and_punctuation():
    assert normalise_name("L'Association S.A.R.L. « Coopérative »") == "L ASSOCIATION S A R L COOPERATIVE"
    assert normalise_name(None) == "" and normalise_name(float("nan")) == ""


def test_first_matching_rule_decides():
    assert match_name_rule("ATELIER NUMERIQUE SCOP SARL").rule_id == "scop"       # cooperative in SARL form
    assert match_name_rule("SCIC SAS LA PAILLASSE").rule_id == "scic"
    assert match_name_rule("ASS MIEUX VIVRE DANS SA VILLE").rule_id == "association_abbreviation"
    assert match_name_rule("UNION DES ASSOCIATIONS FAMILIALES").rule_id == "udaf"
    assert match_name_rule("MISSION LOCALE DU VELAY") is None
    assert match_name_rule("SASSENAGE NUMERIQUE") is None


def _register(rows):
    return pd.DataFrame(rows, columns=["siren", "name", "legal_category", "ess_family", "esus"])


def _hosts(rows):
    frame = pd.DataFrame(rows, columns=["name", "siret", "host_type", "posts", "state_funding_eur"])
    frame.insert(0, "id", range(1, len(frame) + 1))
    return frame


HOSTS = _hosts([
    ("COMMUNE DE A", "21000000100010", "public", 3, 300_000.0),
    ("COMMUNAUTE B", "20000000200010", "public", 1, 100_000.0),
    ("ASSOCIATION X", "30000000300010", "private", 2, 80_000.0),        # name rule: association
    ("BLUE SAS", "40000000400010", "private", 1, 40_000.0),             # name rule: sas → company
    ("ATELIER NUMERIQUE", "50000000500010", "private", 1, 40_000.0),    # register: association
    ("LA BOITE", "60000000600010", "private", 1, 20_000.0),             # nothing: unknown
    ("SARL SOLIDAIRE", "70000000700010", "private", 1, 20_000.0),       # register: ESUS company
    ("GIP X", "13000000800010", "private", 1, 10_000.0),                # name rule: gip → public
])
REGISTER = _register([
    ("500000005", "ATELIER NUMERIQUE", "9220", "association", False),
    ("700000007", "SARL SOLIDAIRE", "5499", None, True),
    ("999999999", "ELSEWHERE", "9220", "association", False),
])


def test_classification_of_a_small_host_list():
    c = classify_hosts(HOSTS, REGISTER)
    assert c["host_class"].tolist() == ["public", "public", "association", "company", "association", "unknown",
                                        "company", "public"]
    assert c["ess"].tolist() == ["no", "no", "proven", "no", "proven", "possible", "proven", "no"]
    assert c["evidence"].tolist()[2:4] == ["name rule: association", "name rule: sas"]
    assert c.loc[4, "evidence"] == "register: SIREN in the ESS candidate register (famille_ess=association)"
    assert c.loc[5, "evidence"] == "none" and pd.isna(c.loc[5, "rule_id"])
    assert c.loc[6, "evidence"].startswith("register: SIREN in the ESS candidate register with the ESUS approval")
    assert len(c) == len(HOSTS) and c["id"].tolist() == HOSTS["id"].tolist()


def test_hand_computed_bounds():
    bounds = ess_share_bounds(classify_hosts(HOSTS, REGISTER))
    # proven: ASSOCIATION X, ATELIER NUMERIQUE, SARL SOLIDAIRE (ESUS); possible: LA BOITE;
    # not ESS among private hosts: BLUE SAS, GIP X. Total funding 610 000, private 210 000.
    euros = bounds.loc["state_funding_eur"]
    assert (euros["total"], euros["private"], euros["proven"], euros["possible"], euros["not_ess"]) == \
        (610_000, 210_000, 140_000, 20_000, 50_000)
    assert euros["lower_pct"] == pytest.approx(100 * 140 / 610)
    assert euros["upper_pct"] == pytest.approx(100 * 160 / 610)
    assert euros["private_pct"] == pytest.approx(100 * 210 / 610)
    hosts = bounds.loc["hosts"]
    assert (hosts["lower"], hosts["upper"], hosts["private"], hosts["total"]) == (3, 4, 6, 8)
    assert (hosts["lower_pct"], hosts["upper_pct"], hosts["private_pct"]) == (37.5, 50.0, 75.0)
    posts = bounds.loc["posts"]
    assert (posts["lower"], posts["upper"], posts["private"], posts["total"]) == (4, 5, 7, 11)
    assert posts["upper_pct"] == pytest.approx(100 * 5 / 11)
    for _, row in bounds.iterrows():  # every host is in exactly one part
        assert row["total"] == row["public_hosts"] + row["proven"] + row["possible"] + row["not_ess"]
        assert row["lower"] <= row["upper"] <= row["private"]


def test_register_overrides_the_name_rules():
    hosts = _hosts([("BLUE SAS", "40000000400010", "private", 1, 10.0),         # SAS by name…
                    ("ASSOCIATION Y", "30000000300010", "private", 1, 10.0),    # association by name…
                    ("ASSOCIATION Z", "80000000800010", "private", 1, 10.0)])   # …register: social protection
    register = _register([("400000004", "BLUE", "9220", "association", False),  # …but an association
                          ("300000003", "Y", "5710", None, False),              # …but a SAS without ESUS
                          ("800000008", "Z", "8140", None, False)])             # not decisive: name rule
    c = classify_hosts(hosts, register)
    assert c["host_class"].tolist() == ["association", "company", "association"]
    assert c["ess"].tolist() == ["proven", "no", "proven"]
    assert c["evidence"].iloc[0].startswith("register:") and c["evidence"].iloc[1].startswith("register:")
    assert "5710" in c["evidence"].iloc[1]
    assert c["evidence"].iloc[2] == "name rule: association"


def test_register_legal_category_of_an_ess_form_proves_without_family():
    hosts = _hosts([("LES ATELIERS", "50000000500010", "private", 1, 10.0)])
    hosts["siren"] = ["500000005"]
    register = _register([("500000005", "LES ATELIERS", "5460.0", None, False)])  # autre SARL coopérative
    c = classify_hosts(hosts, register)
    assert (c["host_class"].iloc[0], c["ess"].iloc[0]) == ("cooperative", "proven")


def test_unknown_stays_unknown_and_missing_identifiers_do_not_match():
    hosts = _hosts([("MISSION LOCALE DU VELAY", "38762363000028", "private", 1, 5.0),
                    ("0", None, "private", 1, 5.0),
                    ("CENTRE SOCIAL ET CULTUREL", "null", "private", 2, 5.0)])
    register = _register([("387623630", "OTHER", None, None, False)])  # listed, but nothing decisive
    c = classify_hosts(hosts, register)
    assert c["host_class"].tolist() == ["unknown"] * 3 and c["ess"].tolist() == ["possible"] * 3
    assert c["evidence"].tolist() == ["none"] * 3


def test_counts_reconcile_with_funding_by():
    c = classify_hosts(HOSTS, REGISTER)
    by_class = funding_by(c, "host_class")
    by_type_class = funding_by(c)
    assert by_class["hosts"].sum() == len(HOSTS) == by_type_class["hosts"].sum()
    assert by_type_class.loc[("public", "public"), "hosts"] == 2
    private = by_type_class.loc["private"]
    assert private["hosts"].to_dict() == {"association": 2, "company": 2, "public": 1, "unknown": 1}
    assert by_type_class["state_funding_eur"].sum() == HOSTS["state_funding_eur"].sum()
    assert by_type_class["posts"].sum() == HOSTS["posts"].sum()
    assert by_type_class["funding_pct"].sum() == pytest.approx(100)
    assert funding_by(c, "host_type").loc["private", "state_funding_eur"] == 210_000


def test_funding_by_region_only_when_present():
    c = classify_hosts(HOSTS, REGISTER)
    with pytest.raises(KeyError, match="region"):
        funding_by(c, "region")
    c["region"] = ["Bretagne"] * 4 + ["Corse"] * 3 + [None]
    table = funding_by(c, "region")
    assert table.loc["Bretagne", "state_funding_eur"] == 520_000 and table.loc["Corse", "hosts"] == 3
    assert table["hosts"].sum() == 8  # the host without region is its own group


def test_malformed_inputs_raise():
    with pytest.raises(ValueError, match="host_type"):
        classify_hosts(_hosts([("X", None, "privée", 1, 1.0)]), REGISTER)
    with pytest.raises(ValueError, match="unknown ESS family"):
        classify_hosts(HOSTS, _register([("500000005", "A", "9220", "entreprise", False)]))
    with pytest.raises(ValueError, match="one row per SIREN"):
        classify_hosts(HOSTS, pd.concat([REGISTER, REGISTER]))
    with pytest.raises(KeyError, match="ess_family"):
        classify_hosts(HOSTS, REGISTER.drop(columns="ess_family"))


def test_invalid_rule_tables_raise(tmp_path):
    header = "rule_id,pattern,host_class,ess,note,source\n"
    bad_regex = tmp_path / "bad_regex.csv"
    bad_regex.write_text(header + "broken,(ASSOCIATION,association,proven,n,s\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a valid regular expression"):
        host_name_rules(bad_regex)
    contradiction = tmp_path / "contradiction.csv"
    contradiction.write_text(header + "sas,SAS,company,proven,n,s\n", encoding="utf-8")
    with pytest.raises(ValueError, match="must have ess 'no'"):
        host_name_rules(contradiction)
    bad_class = tmp_path / "bad_class.csv"
    bad_class.write_text(header + "x,X,charity,proven,n,s\n", encoding="utf-8")
    with pytest.raises(ValueError, match="invalid host name rules"):
        host_name_rules(bad_class)
