"""Vocabulary for the demo book: company and person names, and the phrases CSMs write.

Kept apart from the generator so the logic in ``demo.py`` stays readable. Every list here was
written for cstui. Japanese entries carry a romanisation so that domains and e-mail addresses
stay ASCII. Phrases are ``(ja, en)`` pairs and are picked by the account's language, so a
Japanese customer's history reads in Japanese and an English customer's in English.
Placeholders in braces (``{feature}``, ``{contact}``, ``{n}``...) are filled by the generator.
"""

from __future__ import annotations

from typing import Final

Pair = tuple[str, str]
"""A phrase as (Japanese, English)."""

# --------------------------------------------------------------------------------------------
# Companies
# --------------------------------------------------------------------------------------------

JP_STEMS: Final[tuple[tuple[str, str], ...]] = (
    ("東和", "towa"),
    ("みらい", "mirai"),
    ("アオバ", "aoba"),
    ("北斗", "hokuto"),
    ("青海", "aomi"),
    ("若葉", "wakaba"),
    ("ひかり", "hikari"),
    ("白鷺", "shirasagi"),
    ("翠光", "suiko"),
    ("葵", "aoi"),
    ("紬", "tsumugi"),
    ("カエデ", "kaede"),
    ("晴海", "harumi"),
    ("湊", "minato"),
    ("千歳", "chitose"),
    ("常盤", "tokiwa"),
    ("丸光", "marumitsu"),
    ("協栄", "kyoei"),
    ("信和", "shinwa"),
    ("共進", "kyoshin"),
    ("双葉", "futaba"),
    ("陽光", "yoko"),
    ("藤波", "fujinami"),
    ("岬", "misaki"),
    ("桐生", "kiryu"),
    ("飛鳥", "asuka"),
    ("朱雀", "suzaku"),
    ("銀河", "ginga"),
    ("暁", "akatsuki"),
    ("つばさ", "tsubasa"),
    ("こだま", "kodama"),
    ("はやて", "hayate"),
    ("ことぶき", "kotobuki"),
    ("そよかぜ", "soyokaze"),
    ("いろは", "iroha"),
    ("ミナミ", "minami"),
    ("ソラ", "sora"),
    ("ハルカ", "haruka"),
    ("ツバキ", "tsubaki"),
    ("モミジ", "momiji"),
    ("ヒバリ", "hibari"),
    ("カナデ", "kanade"),
    ("ユイ", "yui"),
    ("キラリ", "kirari"),
    ("ナギ", "nagi"),
    ("西海", "saikai"),
    ("南星", "nansei"),
    ("北陵", "hokuryo"),
    ("山城", "yamashiro"),
    ("高砂", "takasago"),
    ("松浦", "matsuura"),
    ("宮坂", "miyasaka"),
    ("小野寺", "onodera"),
    ("石塚", "ishizuka"),
    ("堀江", "horie"),
    ("玉川", "tamagawa"),
    ("多摩", "tama"),
    ("相模", "sagami"),
    ("房総", "boso"),
    ("信濃", "shinano"),
    ("越後", "echigo"),
    ("出雲", "izumo"),
    ("筑紫", "tsukushi"),
    ("日向", "hyuga"),
    ("伊吹", "ibuki"),
    ("那須", "nasu"),
    ("立山", "tateyama"),
    ("蔵王", "zao"),
    ("剣崎", "kenzaki"),
    ("大樹", "taiju"),
)
"""Name stems: (written form, romanisation). Romanisations are unique so domains are too."""

JP_INDUSTRIES: Final[tuple[tuple[str, str, str], ...]] = (
    ("物流", "logi", "logistics"),
    ("精機", "seiki", "manufacturing"),
    ("電機", "denki", "electronics"),
    ("工業", "kogyo", "manufacturing"),
    ("商事", "shoji", "trading"),
    ("製作所", "seisakusho", "manufacturing"),
    ("建設", "kensetsu", "construction"),
    ("不動産", "fudosan", "real-estate"),
    ("食品", "shokuhin", "food"),
    ("化学", "kagaku", "chemicals"),
    ("印刷", "insatsu", "printing"),
    ("運輸", "unyu", "logistics"),
    ("製薬", "seiyaku", "pharma"),
    ("交通", "kotsu", "transport"),
    ("設計", "sekkei", "engineering"),
    ("産業", "sangyo", "manufacturing"),
    ("電設", "densetsu", "construction"),
    ("通商", "tsusho", "trading"),
    ("ソリューションズ", "solutions", "it-services"),
    ("システムズ", "systems", "it-services"),
    ("テクノロジーズ", "technologies", "software"),
    ("ネットワークス", "networks", "telecom"),
    ("ラボ", "lab", "software"),
    ("パートナーズ", "partners", "consulting"),
    ("デザイン", "design", "design"),
    ("メディカル", "medical", "healthcare"),
    ("フーズ", "foods", "food"),
    ("ロジスティクス", "logistics", "logistics"),
    ("マーケティング", "marketing", "marketing"),
    ("コンサルティング", "consulting", "consulting"),
    ("エンジニアリング", "engineering", "engineering"),
    ("リテール", "retail", "retail"),
    ("エナジー", "energy", "energy"),
    ("ファーマ", "pharma", "pharma"),
    ("クラウド", "cloud", "software"),
    ("ヘルスケア", "healthcare", "healthcare"),
    ("ホーム", "home", "real-estate"),
    ("トラベル", "travel", "travel"),
    ("エデュケーション", "education", "education"),
    ("アグリ", "agri", "agriculture"),
    ("モビリティ", "mobility", "transport"),
)
"""Line of business: (written form, romanisation, industry tag)."""

JP_REGIONS: Final[tuple[tuple[str, str], ...]] = (
    ("関東", "kanto"),
    ("関西", "kansai"),
    ("九州", "kyushu"),
    ("東北", "tohoku"),
    ("北陸", "hokuriku"),
    ("中部", "chubu"),
    ("四国", "shikoku"),
    ("北海道", "hokkaido"),
    ("東海", "tokai"),
    ("山陰", "sanin"),
    ("沖縄", "okinawa"),
    ("信越", "shinetsu"),
)
"""Regional prefixes that tell apart sister companies once the plain names run out."""

EN_STEMS: Final[tuple[str, ...]] = (
    "Northwind",
    "Bluefin",
    "Summit",
    "Cedar",
    "Harbor",
    "Ironwood",
    "Lumen",
    "Maple",
    "Granite",
    "Silverline",
    "Redwood",
    "Brightwater",
    "Oakridge",
    "Pinecrest",
    "Riverstone",
    "Sunforge",
    "Tidewater",
    "Westbrook",
    "Eastgate",
    "Kestrel",
    "Falcon",
    "Osprey",
    "Heron",
    "Juniper",
    "Aspen",
    "Willow",
    "Birchwood",
    "Copperleaf",
    "Goldcrest",
    "Stonebridge",
    "Clearwater",
    "Highland",
    "Lakeside",
    "Meadowlark",
    "Northstar",
    "Polaris",
    "Orion",
    "Vega",
    "Beacon",
    "Lighthouse",
    "Anchor",
    "Compass",
    "Keystone",
    "Cornerstone",
    "Evergreen",
    "Foxglove",
    "Hawthorn",
    "Larkspur",
    "Marigold",
    "Nimbus",
    "Quartz",
    "Rosewood",
    "Saffron",
    "Tamarack",
    "Verdant",
    "Wavecrest",
    "Yarrow",
    "Zephyr",
    "Bramble",
    "Driftwood",
    "Fernhill",
    "Glacier",
    "Halcyon",
    "Ember",
    "Kingfisher",
    "Moonstone",
    "Pebble",
    "Sparrow",
    "Trillium",
    "Bellwether",
)

EN_INDUSTRIES: Final[tuple[tuple[str, str, str], ...]] = (
    ("Logistics", "logistics", "com"),
    ("Analytics", "analytics", "io"),
    ("Robotics", "manufacturing", "io"),
    ("Health", "healthcare", "com"),
    ("Foods", "food", "com"),
    ("Labs", "software", "io"),
    ("Systems", "it-services", "com"),
    ("Software", "software", "io"),
    ("Energy", "energy", "com"),
    ("Media", "media", "com"),
    ("Networks", "telecom", "com"),
    ("Manufacturing", "manufacturing", "com"),
    ("Retail", "retail", "com"),
    ("Pharma", "pharma", "com"),
    ("Freight", "logistics", "com"),
    ("Capital", "finance", "com"),
    ("Insurance", "finance", "com"),
    ("Partners", "consulting", "com"),
    ("Consulting", "consulting", "com"),
    ("Engineering", "engineering", "com"),
    ("Design", "design", "com"),
    ("Data", "analytics", "io"),
    ("Cloud", "software", "io"),
    ("Security", "security", "io"),
    ("Learning", "education", "com"),
    ("Travel", "travel", "com"),
    ("Mobility", "transport", "io"),
    ("Biotech", "pharma", "com"),
    ("Construction", "construction", "com"),
    ("Realty", "real-estate", "com"),
    ("Outfitters", "retail", "com"),
    ("Brewing", "food", "com"),
    ("Marine", "logistics", "com"),
    ("Aerospace", "manufacturing", "com"),
    ("Textiles", "manufacturing", "com"),
    ("Payments", "finance", "io"),
    ("Staffing", "hr", "com"),
    ("Studios", "media", "com"),
)
"""Line of business: (word, industry tag, top-level domain)."""

EN_LEGAL: Final[tuple[str, ...]] = ("Inc.", "Ltd", "LLC", "Corp.", "Co.")

EN_REGIONS: Final[tuple[tuple[str, str], ...]] = (
    ("West", "west"),
    ("East", "east"),
    ("Europe", "europe"),
    ("Asia Pacific", "apac"),
    ("UK", "uk"),
    ("Canada", "canada"),
    ("Nordic", "nordic"),
    ("Midwest", "midwest"),
    ("Latin America", "latam"),
    ("Australia", "au"),
    ("Japan", "japan"),
    ("Iberia", "iberia"),
)

# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------

JP_SURNAMES: Final[tuple[tuple[str, str], ...]] = (
    ("佐藤", "sato"),
    ("鈴木", "suzuki"),
    ("高橋", "takahashi"),
    ("田中", "tanaka"),
    ("伊藤", "ito"),
    ("渡辺", "watanabe"),
    ("山本", "yamamoto"),
    ("中村", "nakamura"),
    ("小林", "kobayashi"),
    ("加藤", "kato"),
    ("吉田", "yoshida"),
    ("山田", "yamada"),
    ("佐々木", "sasaki"),
    ("山口", "yamaguchi"),
    ("松本", "matsumoto"),
    ("井上", "inoue"),
    ("木村", "kimura"),
    ("林", "hayashi"),
    ("斎藤", "saito"),
    ("清水", "shimizu"),
    ("山崎", "yamazaki"),
    ("森", "mori"),
    ("池田", "ikeda"),
    ("橋本", "hashimoto"),
    ("阿部", "abe"),
    ("石川", "ishikawa"),
    ("山下", "yamashita"),
    ("中島", "nakajima"),
    ("石井", "ishii"),
    ("小川", "ogawa"),
    ("前田", "maeda"),
    ("岡田", "okada"),
    ("長谷川", "hasegawa"),
    ("藤田", "fujita"),
    ("後藤", "goto"),
    ("近藤", "kondo"),
    ("村上", "murakami"),
    ("遠藤", "endo"),
    ("青木", "aoki"),
    ("坂本", "sakamoto"),
    ("福田", "fukuda"),
    ("太田", "ota"),
    ("西村", "nishimura"),
    ("藤井", "fujii"),
    ("金子", "kaneko"),
    ("岡本", "okamoto"),
    ("藤原", "fujiwara"),
    ("中野", "nakano"),
    ("三浦", "miura"),
    ("原田", "harada"),
    ("松田", "matsuda"),
    ("竹内", "takeuchi"),
    ("上田", "ueda"),
    ("小野", "ono"),
    ("田村", "tamura"),
    ("中山", "nakayama"),
    ("和田", "wada"),
    ("森田", "morita"),
    ("柴田", "shibata"),
    ("今井", "imai"),
)

JP_GIVEN: Final[tuple[tuple[str, str], ...]] = (
    ("健", "ken"),
    ("翔太", "shota"),
    ("大輔", "daisuke"),
    ("拓也", "takuya"),
    ("健太", "kenta"),
    ("直樹", "naoki"),
    ("誠", "makoto"),
    ("浩", "hiroshi"),
    ("学", "manabu"),
    ("隆", "takashi"),
    ("亮", "ryo"),
    ("悠斗", "yuto"),
    ("蓮", "ren"),
    ("陽介", "yosuke"),
    ("和也", "kazuya"),
    ("修", "osamu"),
    ("聡", "satoshi"),
    ("剛", "tsuyoshi"),
    ("哲也", "tetsuya"),
    ("慎吾", "shingo"),
    ("美咲", "misaki"),
    ("陽子", "yoko"),
    ("恵", "megumi"),
    ("彩", "aya"),
    ("由美", "yumi"),
    ("直美", "naomi"),
    ("真理子", "mariko"),
    ("愛", "ai"),
    ("さくら", "sakura"),
    ("結衣", "yui"),
    ("麻衣", "mai"),
    ("奈々", "nana"),
    ("千尋", "chihiro"),
    ("加奈子", "kanako"),
    ("舞子", "maiko"),
    ("裕子", "yuko"),
    ("香織", "kaori"),
    ("智子", "tomoko"),
    ("優花", "yuka"),
    ("明美", "akemi"),
    ("理恵", "rie"),
    ("早紀", "saki"),
    ("遥", "haruka"),
    ("楓", "kaede"),
    ("沙織", "saori"),
)

EN_FIRST: Final[tuple[str, ...]] = (
    "Emily",
    "James",
    "Olivia",
    "Michael",
    "Sophia",
    "Daniel",
    "Ava",
    "Matthew",
    "Grace",
    "Ethan",
    "Chloe",
    "Ryan",
    "Hannah",
    "Nathan",
    "Megan",
    "Lucas",
    "Rachel",
    "Owen",
    "Laura",
    "Adam",
    "Priya",
    "Diego",
    "Mei",
    "Omar",
    "Fatima",
    "Noah",
    "Zoe",
    "Samuel",
    "Isabel",
    "Marcus",
    "Nora",
    "Victor",
    "Elena",
    "Tomas",
    "Aisha",
    "Kevin",
    "Julia",
    "Brian",
    "Sarah",
    "David",
    "Anna",
    "Jacob",
    "Leah",
    "Carlos",
    "Maya",
)

EN_LAST: Final[tuple[str, ...]] = (
    "Carter",
    "Nguyen",
    "Patel",
    "Johnson",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Moore",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Lopez",
    "Hill",
    "Scott",
    "Green",
    "Adams",
    "Baker",
    "Nelson",
    "Mitchell",
    "Campbell",
    "Roberts",
    "Turner",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Morris",
    "Murphy",
    "Cook",
    "Reed",
    "Bailey",
    "Bell",
    "Cooper",
    "Kim",
    "Chen",
    "Singh",
    "Okafor",
    "Schmidt",
    "Rossi",
    "Dubois",
)

TITLES: Final[dict[str, tuple[Pair, ...]]] = {
    "champion": (
        ("営業企画部 課長", "Sales Operations Manager"),
        ("業務改革推進室 リーダー", "Process Improvement Lead"),
        ("情報システム部 主任", "Business Systems Lead"),
        ("カスタマーサポート部 マネージャー", "Customer Support Manager"),
        ("マーケティング部 課長代理", "Marketing Operations Manager"),
    ),
    "executive_sponsor": (
        ("代表取締役", "CEO"),
        ("取締役 COO", "COO"),
        ("執行役員 営業本部長", "Chief Revenue Officer"),
        ("常務取締役", "VP Operations"),
        ("取締役 CFO", "CFO"),
    ),
    "decision_maker": (
        ("営業本部 部長", "VP Sales"),
        ("情報システム部 部長", "Head of IT"),
        ("経営企画部 部長", "Director of Operations"),
        ("管理本部 本部長", "Head of Finance"),
    ),
    "end_user": (
        ("営業部", "Account Executive"),
        ("営業部 主任", "Sales Representative"),
        ("カスタマーサポート部", "Support Specialist"),
        ("経理部", "Financial Analyst"),
        ("物流管理課", "Dispatcher"),
        ("総務部", "Office Coordinator"),
    ),
    "admin": (
        ("情報システム部", "IT Administrator"),
        ("情報システム部 係長", "Systems Administrator"),
        ("社内SE", "IT Manager"),
    ),
}
"""Job titles by contact role."""

# --------------------------------------------------------------------------------------------
# Product vocabulary
# --------------------------------------------------------------------------------------------

FEATURES: Final[tuple[Pair, ...]] = (
    ("ダッシュボード", "dashboards"),
    ("ワークフロー", "workflows"),
    ("レポート", "reports"),
    ("API連携", "the API"),
    ("承認フロー", "approval flows"),
    ("モバイルアプリ", "the mobile app"),
    ("アラート通知", "alerts"),
    ("データ取り込み", "data import"),
    ("権限管理", "permissions"),
    ("検索", "search"),
    ("自動化ルール", "automation rules"),
    ("分析ビュー", "analytics views"),
)

MONTHS_EN: Final[tuple[str, ...]] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

UPSELL_IDEAS: Final[tuple[Pair, ...]] = (
    ("追加ライセンス（{n}席）", "{n} more seats"),
    ("分析オプションの提案", "Analytics add-on"),
    ("他部署への横展開", "Roll out to another department"),
    ("上位プランへのアップグレード", "Upgrade to the Enterprise plan"),
    ("API連携オプション", "Integration add-on"),
)

# --------------------------------------------------------------------------------------------
# Activity summaries, by kind and sentiment
# --------------------------------------------------------------------------------------------

SUMMARIES: Final[dict[tuple[str, str], tuple[Pair, ...]]] = {
    ("call", "positive"): (
        (
            "電話：{feature}の活用状況をヒアリング、順調とのこと",
            "Call: checked how they use {feature}, all on track",
        ),
        (
            "電話：追加部署への展開について前向きな相談",
            "Call: positive chat about rolling out to another team",
        ),
    ),
    ("call", "neutral"): (
        ("電話：請求書送付先の変更依頼を受領", "Call: they asked to change the billing contact"),
        (
            "電話：{feature}の設定方法について質問対応",
            "Call: answered questions on setting up {feature}",
        ),
    ),
    ("call", "negative"): (
        (
            "電話：ログイン数の減少について確認、担当者が多忙とのこと",
            "Call: asked about falling logins, their team is stretched",
        ),
        (
            "電話：{feature}の不具合で業務に支障があるとの指摘",
            "Call: {feature} problems are blocking their work",
        ),
    ),
    ("meeting", "positive"): (
        (
            "定例ミーティング：利用状況を確認、{feature}の活用が進んでいる",
            "Check-in: usage reviewed, more teams using {feature}",
        ),
        (
            "定例ミーティング：次の活用テーマとして{feature}を提案し合意",
            "Check-in: agreed to focus on {feature} next",
        ),
        (
            "訪問：現場の運用を見学、{feature}が定着している",
            "On-site visit: saw {feature} in daily use",
        ),
    ),
    ("meeting", "neutral"): (
        ("定例ミーティング：利用状況を確認", "Check-in: reviewed usage"),
        ("打ち合わせ：新任担当者への引き継ぎ", "Meeting: handover to a new team member"),
    ),
    ("meeting", "negative"): (
        (
            "定例ミーティング：利用率の低下と現場の不満をヒアリング",
            "Check-in: heard frustration, usage is dropping",
        ),
        (
            "打ち合わせ：他社製品への乗り換え検討を示唆された",
            "Meeting: they mentioned evaluating a competitor",
        ),
    ),
    ("email", "positive"): (
        (
            "メール：{feature}の活用事例を共有、お礼の返信あり",
            "Email: shared a case study on {feature}, they replied with thanks",
        ),
    ),
    ("email", "neutral"): (
        ("メール：新機能リリースのご案内", "Email: sent the new release notes"),
        ("メール：次回定例の日程調整", "Email: scheduling the next check-in"),
    ),
    ("email", "negative"): (
        (
            "メール：問い合わせへの回答が遅いとのご指摘",
            "Email: complaint about slow support replies",
        ),
        (
            "メール：定例の日程調整に返信なし（再送）",
            "Email: no reply to the check-in invite (resent)",
        ),
    ),
    ("note", "positive"): (
        (
            "メモ：{feature}を全社標準にする方針と聞いた",
            "Note: they plan to make {feature} the company standard",
        ),
    ),
    ("note", "neutral"): (
        (
            "メモ：組織変更の予定あり、担当体制を確認すること",
            "Note: reorg coming, confirm who owns the tool",
        ),
        ("メモ：来期予算の策定は{month_ja}月", "Note: next year's budget is set in {month_en}"),
    ),
    ("note", "negative"): (
        (
            "メモ：チャンピオンの異動の噂、後任を確認すること",
            "Note: champion may change roles, find a successor",
        ),
        (
            "メモ：利用部署が縮小、席数削減の可能性",
            "Note: the using team is shrinking, seat cut likely",
        ),
    ),
    ("qbr", "positive"): (
        (
            "QBR：KPIの達成状況を報告、次四半期の目標に合意",
            "QBR: reviewed KPI progress, agreed next quarter's goals",
        ),
        (
            "QBR：ROI試算を共有、経営層から高評価",
            "QBR: shared the ROI estimate, executives pleased",
        ),
    ),
    ("qbr", "neutral"): (("QBR：利用状況と課題を共有", "QBR: shared usage and open issues"),),
    ("qbr", "negative"): (
        (
            "QBR：目標未達、改善計画の提出を求められた",
            "QBR: goals missed, they asked for a recovery plan",
        ),
    ),
    ("exec_report", "positive"): (
        (
            "経営者向けレポート送付：累積効果とROI試算",
            "Executive report sent: cumulative impact and ROI",
        ),
    ),
    ("exec_report", "neutral"): (
        (
            "経営者向けレポート送付：上期の成果と下期の計画",
            "Executive report sent: first-half results and plan",
        ),
    ),
    ("exec_report", "negative"): (
        (
            "経営者向けレポート：費用対効果に疑問との返答",
            "Executive report: they question the return on investment",
        ),
    ),
}

VIA_CHAMPION: Final[Pair] = (
    "経営者向けレポートをチャンピオン経由で送付、反応を確認予定",
    "Executive report sent via the champion; follow up on the reaction",
)
KICKOFF: Final[Pair] = (
    "キックオフミーティング：導入目的と成功指標を合意",
    "Kickoff: agreed goals and success metrics",
)
ONBOARDING_SESSION: Final[Pair] = (
    "オンボーディング：{feature}のトレーニングを実施",
    "Onboarding: training session on {feature}",
)
STORIES: Final[tuple[Pair, ...]] = (
    (
        "成功事例：{feature}で月{n}時間の工数削減",
        "Success story: {n} hours a month saved with {feature}",
    ),
    (
        "成功事例：{feature}の導入で対応時間が{n}%短縮",
        "Success story: handling time down {n}% with {feature}",
    ),
)
TECH_TOUCH: Final[tuple[tuple[str, Pair], ...]] = (
    (
        "email",
        (
            "自動メール：{feature}の使い方ガイドを配信",
            "Automated email: how-to guide for {feature}",
        ),
    ),
    ("email", ("利用状況レポートを自動送信", "Automated email: monthly usage summary")),
    (
        "meeting",
        ("ウェビナー参加：{feature}活用講座", "Attended webinar: getting more from {feature}"),
    ),
    (
        "call",
        (
            "サポート問い合わせ：{feature}の設定を案内",
            "Support follow-up: helped configure {feature}",
        ),
    ),
    (
        "note",
        (
            "メモ：ヘルプセンターで{feature}の記事を閲覧",
            "Note: read the help articles on {feature}",
        ),
    ),
)
"""One-to-many and automated touches: (activity kind, phrase)."""
CHURN_NOTE: Final[Pair] = (
    "メモ：契約終了。解約理由は{reason}",
    "Note: contract ended; reason: {reason}",
)
CHURN_REASONS: Final[tuple[Pair, ...]] = (
    ("予算削減", "budget cuts"),
    ("他社製品へ移行", "moved to a competitor"),
    ("担当部署の廃止", "the team was disbanded"),
    ("利用が定着しなかった", "it never took hold"),
)
NOT_A_FIT_NOTE: Final[Pair] = (
    "メモ：業務要件と製品が合わないことを率直にお伝えした",
    "Note: told them honestly the product does not fit their needs",
)

# --------------------------------------------------------------------------------------------
# Tasks: (slug, phrase, priority, source); the slug makes stable keys for generated tasks
# --------------------------------------------------------------------------------------------

TASKS_GENERAL: Final[tuple[tuple[str, Pair, str, str], ...]] = (
    (
        "case-study",
        ("{contact}さんへ活用事例を共有", "Share a case study with {contact}"),
        "normal",
        "manual",
    ),
    (
        "notes",
        ("{contact}さんに定例の議事録を送付", "Send check-in notes to {contact}"),
        "low",
        "manual",
    ),
    ("demo", ("{feature}のデモ日程を調整", "Book a demo of {feature}"), "normal", "manual"),
    ("billing", ("請求先情報の更新を確認", "Confirm the updated billing details"), "low", "manual"),
    (
        "intro",
        ("新任担当者向けの説明会を設定", "Set up an intro session for new users"),
        "normal",
        "manual",
    ),
    (
        "check-in",
        ("定例ミーティングの日程調整", "Schedule the monthly check-in"),
        "normal",
        "cadence",
    ),
    (
        "request-update",
        ("機能要望の対応状況を連絡", "Update them on their feature request"),
        "normal",
        "voc",
    ),
)
TASK_RENEWAL: Final[tuple[Pair, ...]] = (
    ("更新提案書の作成", "Prepare the renewal proposal"),
    ("更新条件を決裁者と確認", "Confirm renewal terms with the decision maker"),
)
TASK_USAGE_DROP: Final[Pair] = ("利用率低下の原因をヒアリング", "Find out why usage is dropping")
TASK_CHAMPION: Final[Pair] = ("新しいチャンピオン候補を特定", "Identify a new champion")
TASK_EXPANSION: Final[Pair] = (
    "追加ライセンスの見積もりを送付",
    "Send a quote for additional seats",
)
TASK_QBR: Final[Pair] = ("{quarter} QBR資料の準備", "Prepare the {quarter} QBR deck")
TASK_EXEC: Final[Pair] = ("決裁者向け中間レポートの送付", "Send the midpoint executive report")
TASKS_INTERNAL: Final[tuple[Pair, ...]] = (
    ("社内：チャーン分析の共有資料を作成", "Internal: write up the churn analysis"),
    ("社内：更新プレイブックの見直し", "Internal: update the renewal playbook"),
)
TASK_NOTES: Final[tuple[Pair, ...]] = (
    ("前回の議事録を参照", "See last meeting's notes"),
    ("先方の決裁は月末", "Their sign-off happens at month end"),
    ("チャンピオンと事前にすり合わせ", "Align with the champion first"),
)

# --------------------------------------------------------------------------------------------
# Onboarding: the shipped template as CSMs tailor it
# (step, phase, offset days, owner side, core, first value, phrase)
#
# Each step is a step of ONBOARDING_TEMPLATE (its ``id`` there), in the CSM's own words, with
# their own day, owner and core flag, and a plan records it as ``{template}:{step}`` as a
# plan made in the app does, so re-applying the template recognises it. A step starting
# ``own:`` is one a CSM added by hand. The template's steps a plan leaves out are recorded
# as removed by the CSM.
# --------------------------------------------------------------------------------------------

ONBOARDING_TEMPLATE: Final = "b2b-saas-90"

ONBOARDING_STEPS: Final[tuple[tuple[str, str, int, str, bool, bool, Pair], ...]] = (
    (
        "kickoff-meeting",
        "kickoff",
        0,
        "us",
        True,
        False,
        ("キックオフミーティングの実施", "Hold the kickoff meeting"),
    ),
    (
        "success-metrics",
        "kickoff",
        7,
        "us",
        True,
        False,
        ("導入目的と成功指標の合意", "Agree goals and success metrics"),
    ),
    (
        "exec-goal",
        "kickoff",
        10,
        "us",
        False,
        False,
        (
            "決裁者ヒアリング（1年後に期待する成果）",
            "Executive interview: the result that makes it worth it",
        ),
    ),
    (
        "admin-setup",
        "setup",
        5,
        "customer",
        True,
        False,
        ("管理者アカウントの設定", "Set up the admin account"),
    ),
    (
        "sso",
        "setup",
        14,
        "customer",
        False,
        False,
        ("SSO・ユーザー連携の設定", "Configure SSO and user provisioning"),
    ),
    (
        "data-import",
        "setup",
        18,
        "customer",
        True,
        False,
        ("既存データの取り込み", "Import existing data"),
    ),
    (
        "integration",
        "setup",
        28,
        "us",
        False,
        False,
        ("既存システムとのAPI連携", "Connect existing systems through the API"),
    ),
    (
        "admin-training",
        "training",
        21,
        "us",
        True,
        False,
        ("管理者向けトレーニング", "Admin training session"),
    ),
    (
        "own:help-centre",
        "training",
        24,
        "us",
        False,
        False,
        ("ヘルプセンターとクイックスタートの案内", "Share the help centre and quick-start guide"),
    ),
    (
        "user-training",
        "training",
        30,
        "us",
        True,
        False,
        ("利用者向け説明会", "End-user training webinar"),
    ),
    (
        "check-in-45",
        "first_value",
        35,
        "us",
        False,
        False,
        ("30日時点の利用状況レビュー", "30-day usage review"),
    ),
    (
        "first-result",
        "first_value",
        40,
        "customer",
        True,
        True,
        ("初回レポートを作成し社内で共有", "First report built and shared with the team"),
    ),
    (
        "rollout",
        "go_live",
        60,
        "customer",
        True,
        False,
        ("全社展開（本番利用開始）", "Go live company-wide"),
    ),
    (
        "satisfaction-survey",
        "go_live",
        80,
        "us",
        False,
        False,
        ("オンボーディング満足度アンケートの回収", "Collect the onboarding satisfaction survey"),
    ),
    (
        "onboarding-review",
        "go_live",
        88,
        "us",
        True,
        False,
        ("オンボーディング完了レビュー（決裁者同席）", "Onboarding wrap-up with the executive"),
    ),
)

# --------------------------------------------------------------------------------------------
# Success plans
# --------------------------------------------------------------------------------------------

GOALS: Final[tuple[tuple[str, Pair], ...]] = (
    (
        "sales-growth",
        (
            "営業生産性を高め、新規商談数を前年比20%増やす",
            "Grow new opportunities 20% year on year through sales productivity",
        ),
    ),
    (
        "productivity",
        ("定型業務を自動化し、現場の残業時間を減らす", "Automate routine work and cut overtime"),
    ),
    (
        "cost",
        (
            "紙とExcelでの管理をなくし、管理コストを30%削減する",
            "Replace paper and spreadsheets, cut admin cost by 30%",
        ),
    ),
    (
        "quality",
        ("入力ミスを減らし、出荷品質を高める", "Reduce entry errors and raise shipping quality"),
    ),
    (
        "cx",
        (
            "問い合わせ対応を速くし、顧客満足度を高める",
            "Answer customers faster and raise satisfaction",
        ),
    ),
    (
        "visibility",
        (
            "経営指標をリアルタイムで可視化し、意思決定を早める",
            "See business metrics in real time and decide faster",
        ),
    ),
)

OBJECTIVES_LIGHT: Final[tuple[tuple[Pair, Pair, Pair, float, float, float, float], ...]] = (
    (
        ("現場の週次アクティブ率を高める", "Raise weekly active use among staff"),
        ("週次アクティブ率", "Weekly active rate"),
        ("%", "%"),
        30,
        50,
        75,
        90,
    ),
    (
        ("月次レポート作成時間の短縮", "Cut time spent on monthly reports"),
        ("レポート作成時間", "Reporting time"),
        ("時間/月", "h/month"),
        30,
        60,
        5,
        15,
    ),
    (
        ("入力ミスの削減", "Fewer data entry errors"),
        ("入力ミス件数", "Entry errors"),
        ("件/月", "per month"),
        20,
        50,
        2,
        8,
    ),
    (
        ("問い合わせの一次回答時間を短縮", "Faster first reply to customers"),
        ("一次回答時間", "First reply time"),
        ("分", "min"),
        60,
        180,
        15,
        30,
    ),
    (
        ("新入社員の立ち上がり期間を短縮", "Get new hires productive sooner"),
        ("立ち上がり期間", "Ramp-up time"),
        ("日", "days"),
        60,
        90,
        20,
        35,
    ),
    (
        ("全部署での利用を定着させる", "Every department uses it"),
        ("利用部署数", "Departments using it"),
        ("部署", "departments"),
        1,
        3,
        6,
        12,
    ),
)
"""(objective, KPI name, unit, baseline low/high, target low/high)."""

OBJECTIVES_DEEP: Final[tuple[tuple[Pair, Pair, Pair, float, float, float, float], ...]] = (
    (
        ("新規商談数を増やす", "Grow new opportunities"),
        ("月間新規商談数", "New opportunities per month"),
        ("件", "deals"),
        20,
        60,
        70,
        110,
    ),
    (
        ("投資対効果（ROI）をプラスにする", "Reach a positive return on investment"),
        ("ROI", "ROI"),
        ("%", "%"),
        -40,
        -10,
        30,
        100,
    ),
    (
        ("部署全体の残業時間を削減", "Cut team overtime"),
        ("月間残業時間（部署合計）", "Team overtime per month"),
        ("時間", "h"),
        300,
        800,
        150,
        250,
    ),
    (
        ("自社顧客の解約率を下げる", "Lower churn among their own customers"),
        ("顧客解約率", "Customer churn"),
        ("%", "%"),
        3,
        6,
        1,
        2,
    ),
)
"""(objective, KPI name, unit, baseline low/high, target low/high) for executives."""

# --------------------------------------------------------------------------------------------
# Voice of the customer
# --------------------------------------------------------------------------------------------

NPS_COMMENTS: Final[dict[str, tuple[Pair, ...]]] = {
    "promoter": (
        ("サポートが丁寧で助かっています", "Support is quick and helpful"),
        ("{feature}のおかげで作業時間が減りました", "We save a lot of time with {feature}"),
        ("他の部署にも勧めたい", "We'd recommend it to other teams"),
    ),
    "passive": (
        (
            "概ね満足だが、{feature}がもう少し使いやすいと良い",
            "Mostly fine, {feature} could be easier",
        ),
        ("価格に見合うかはまだ判断中", "Still deciding whether it is worth the price"),
    ),
    "detractor": (
        ("動作が遅く、現場で使われなくなっている", "It is slow and the team has stopped using it"),
        ("{feature}が業務に合わない", "We cannot make {feature} fit how we work"),
        ("問い合わせの回答が遅い", "Support replies are slow"),
    ),
}
CSAT_COMMENTS: Final[dict[str, tuple[Pair, ...]]] = {
    "good": (
        ("迅速な対応ありがとうございました", "Thanks for the quick fix"),
        ("説明がわかりやすかった", "Clear explanation, thank you"),
    ),
    "bad": (
        ("解決まで時間がかかった", "It took too long to resolve"),
        ("同じ説明を何度もする必要があった", "I had to explain the problem several times"),
    ),
}

REQUESTS: Final[tuple[tuple[Pair, Pair], ...]] = (
    (
        ("CSVエクスポートで列を選択したい", "Choose columns in CSV export"),
        ("毎回不要な列を手で削除していて手間です", "We delete the same columns by hand every week"),
    ),
    (
        ("Slack通知への対応", "Slack notifications"),
        (
            "アラートをSlackで受け取りたい。メールだと見落とす",
            "We live in Slack; e-mail alerts get missed",
        ),
    ),
    (
        ("承認フローの多段階化", "Multi-step approval flows"),
        ("部長承認の後に経理承認を入れたい", "Finance needs to approve after the manager"),
    ),
    (
        ("ダッシュボードのPDF出力", "Export dashboards to PDF"),
        ("経営会議で紙で配布したい", "Our board wants a PDF every month"),
    ),
    (
        ("SAMLによるシングルサインオン", "SAML single sign-on"),
        (
            "情報システム部からSSOが必須と言われている",
            "IT will not approve a wider roll-out without SSO",
        ),
    ),
    (
        ("モバイルアプリでのオフライン入力", "Offline entry in the mobile app"),
        ("倉庫の中は電波が届かない", "There is no signal in the warehouse"),
    ),
    (
        ("より細かい権限設定", "Finer-grained permissions"),
        ("派遣社員には一部の画面だけ見せたい", "Contractors should only see some screens"),
    ),
    (
        ("API呼び出し上限の緩和", "Higher API rate limits"),
        ("夜間バッチが上限に達して止まる", "Our nightly sync hits the limit and stops"),
    ),
    (
        ("英語UIの改善", "Better English UI"),
        (
            "海外拠点のメンバーが使いにくいと言っている",
            "Our overseas staff find the wording confusing",
        ),
    ),
    (
        ("監査ログの保存期間延長", "Longer audit log retention"),
        ("監査対応で2年分のログが必要", "Auditors ask for two years of logs"),
    ),
    (
        ("定期レポートの自動送信", "Scheduled report e-mails"),
        (
            "毎週月曜の朝に自動で送ってほしい",
            "Send the weekly report automatically on Monday mornings",
        ),
    ),
    (
        ("Salesforceとの双方向同期", "Two-way Salesforce sync"),
        ("今は同じ内容を二重入力している", "Today we enter everything twice"),
    ),
    (
        ("一括編集機能", "Bulk edit"),
        ("数百件をまとめて更新したい", "We need to update hundreds of rows at once"),
    ),
    (("ダークモード", "Dark mode"), ("夜勤のスタッフからの要望", "Night-shift staff asked for it")),
    (
        ("カスタム項目の上限を増やしたい", "More custom fields"),
        ("項目が足りず備考欄に書いている", "We ran out of custom fields and use the notes box"),
    ),
    (
        ("多通貨対応", "Multi-currency support"),
        ("海外子会社の売上も管理したい", "Our subsidiaries bill in USD and EUR"),
    ),
)
"""Feature requests: (title, verbatim)."""
