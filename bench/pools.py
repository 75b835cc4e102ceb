# Names and phrases in real scripts use their own punctuation (fullwidth comma, Cyrillic letters that
# look Latin): that is the point of the dataset, not a typo.
# ruff: noqa: RUF001
"""What the benchmark dataset is made of: names from several locales and scripts, phone numbers in the
formats people really type, email domains, companies, and the lines of a support conversation.

A name is ``"Display|ascii"`` when the display form is not in Latin script (the ASCII form builds the
email address); Latin names with accents are transliterated automatically.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class PhoneKind:
    """A family of numbers: the national significant number's fixed prefix and length, how its digits
    are grouped, and the ways people write it (``{cc}`` country code, ``{n}`` every digit, ``{a}``,
    ``{b}``... the groups)."""

    prefixes: tuple[str, ...]
    length: int
    groups: tuple[int, ...]
    formats: tuple[str, ...]


@dataclass(frozen=True)
class Locale:
    code: str
    weight: int
    country_code: str
    phones: tuple[PhoneKind, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    email_domains: tuple[str, ...]
    company_suffixes: tuple[str, ...]


def ascii_of(name: str) -> str:
    """The ASCII form of a name: the explicit one after ``|``, else the name without accents."""
    if "|" in name:
        return name.split("|", 1)[1]
    folded = unicodedata.normalize("NFKD", name.replace("ß", "ss").replace("ł", "l").replace("Ł", "L"))
    return "".join(ch for ch in folded if ch.isascii())


def display_of(name: str) -> str:
    return name.split("|", 1)[0]


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


LOCALES: tuple[Locale, ...] = (
    Locale(
        code="en_US",
        weight=22,
        country_code="1",
        phones=(
            PhoneKind(
                ("2", "3", "4", "5", "6", "7", "8", "9"),
                10,
                (3, 3, 4),
                (
                    "({a}) {b}-{c}",
                    "{a}-{b}-{c}",
                    "{a}.{b}.{c}",
                    "+1 {a} {b} {c}",
                    "+1 ({a}) {b}-{c}",
                    "1-{a}-{b}-{c}",
                    "+1{n}",
                ),
            ),
        ),
        first_names=_names(
            "James, Mary, Robert, Patricia, John, Jennifer, Michael, Linda, David, Elizabeth, William, "
            "Barbara, Richard, Susan, Joseph, Jessica, Thomas, Sarah, Christopher, Karen, Charles, Lisa, "
            "Daniel, Nancy, Matthew, Betty, Anthony, Sandra, Mark, Ashley, Donald, Kimberly, Steven, "
            "Emily, Andrew, Donna, Joshua, Michelle, Kevin, Carol, Brian, Amanda, Tyler, Madison, "
            "Brandon, Brittany, Jacob, Hannah, Ethan, Olivia, Noah, Ava, Logan, Chloe"
        ),
        last_names=_names(
            "Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, Martinez, Hernandez, "
            "Lopez, Gonzalez, Wilson, Anderson, Thomas, Taylor, Moore, Jackson, Martin, Lee, Perez, "
            "Thompson, White, Harris, Sanchez, Clark, Ramirez, Lewis, Robinson, Walker, Young, Allen, "
            "King, Wright, Scott, Torres, Nguyen, Hill, Flores, Green, Adams, Nelson, Baker, Hall, Rivera, "
            "Campbell, Mitchell, Carter, Roberts, O'Brien, McAllister, Fitzgerald, Washington, Kowalczyk"
        ),
        email_domains=("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com", "hotmail.com"),
        company_suffixes=("Inc.", "LLC", "Corp.", "Co."),
    ),
    Locale(
        code="en_GB",
        weight=8,
        country_code="44",
        phones=(
            PhoneKind(("7",), 10, (4, 6), ("0{a} {b}", "+44 {a} {b}", "+44 (0){a} {b}", "0{n}", "+44{n}")),
            PhoneKind(("20",), 10, (2, 4, 4), ("0{a} {b} {c}", "+44 {a} {b} {c}", "(0{a}) {b} {c}")),
        ),
        first_names=_names(
            "Oliver, Amelia, George, Isla, Harry, Ava, Jack, Mia, Charlie, Ivy, Thomas, Lily, Oscar, "
            "Florence, William, Freya, Alfie, Poppy, Arthur, Sophie, Henry, Evie, Archie, Grace, Rhys, "
            "Siobhan, Callum, Niamh, Angus, Eilidh"
        ),
        last_names=_names(
            "Taylor, Davies, Evans, Thomas, Roberts, Walker, Wright, Thompson, Hughes, Edwards, Green, "
            "Wood, Harrison, Cooper, Ward, Morris, Clarke, Jackson, Turner, Hill, Baker, Morgan, Patel, "
            "MacDonald, Campbell, Stewart, Fraser, Ellis, Pemberton, Ashworth"
        ),
        email_domains=("gmail.com", "btinternet.com", "outlook.com", "yahoo.co.uk", "sky.com"),
        company_suffixes=("Ltd", "PLC", "& Sons", "Group"),
    ),
    Locale(
        code="de_DE",
        weight=10,
        country_code="49",
        phones=(
            PhoneKind(
                ("151", "152", "160", "170", "171", "176"),
                11,
                (3, 8),
                ("0{a} {b}", "+49 {a} {b}", "0049 {a} {b}", "0{a}/{b}", "(0{a}) {b}", "+49{n}"),
            ),
            PhoneKind(("30", "40", "89"), 10, (2, 8), ("0{a} {b}", "+49 {a} {b}", "0{a}/{b}", "0{a}-{b}")),
        ),
        first_names=_names(
            "Lukas, Leonie, Maximilian, Sophie, Jonas, Marie, Felix, Hannah, Paul, Lena, Elias, Mia, "
            "Finn, Emilia, Jürgen, Anja, Dieter, Birgit, Klaus, Ursula, Wolfgang, Sabine, Günther, "
            "Karin, Stefan, Monika, Matthias, Petra, Tobias, Julia, Björn, Jörg, Sönke, Käthe"
        ),
        last_names=_names(
            "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, "
            "Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, "
            "Krüger, Hofmann, Hartmann, Lange, Schmitt, Werner, Krause, Meier, Lehmann, Schmid, "
            "Schulze, Maier, Köhler, Herrmann, Weiß, Jäger, Große, Brandt, Vogel"
        ),
        email_domains=("gmx.de", "web.de", "t-online.de", "gmail.com", "posteo.de", "freenet.de"),
        company_suffixes=("GmbH", "AG", "KG", "GmbH & Co. KG"),
    ),
    Locale(
        code="fr_FR",
        weight=8,
        country_code="33",
        phones=(
            PhoneKind(
                ("6", "7", "1", "4"),
                9,
                (1, 2, 2, 2, 2),
                (
                    "0{a} {b} {c} {d} {e}",
                    "0{a}.{b}.{c}.{d}.{e}",
                    "+33 {a} {b} {c} {d} {e}",
                    "+33 (0){a} {b} {c} {d} {e}",
                    "0{n}",
                    "0{a}-{b}-{c}-{d}-{e}",
                ),
            ),
        ),
        first_names=_names(
            "Gabriel, Louise, Léo, Ambre, Raphaël, Jade, Arthur, Emma, Louis, Chloé, Jules, Alice, Adam, "
            "Léa, Maël, Inès, Hugo, Manon, Théo, Zoé, Benoît, Cécile, François, Hélène, Jérôme, Margaux, "
            "Noël, Océane, Stéphane, Amélie"
        ),
        last_names=_names(
            "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, "
            "Laurent, Lefèvre, Michel, Garcia, David, Bertrand, Roux, Vincent, Fournier, Morel, Girard, "
            "André, Lefebvre, Mercier, Dupont, Lambert, Bonnet, François, Martinez, Chevalier, Gauthier, "
            "Faure, Rousseau, Blanchard, Guérin"
        ),
        email_domains=("orange.fr", "free.fr", "laposte.net", "gmail.com", "sfr.fr", "wanadoo.fr"),
        company_suffixes=("SARL", "SA", "SAS", "et Fils"),
    ),
    Locale(
        code="es_ES",
        weight=7,
        country_code="34",
        phones=(
            PhoneKind(
                ("6", "7", "91", "93"),
                9,
                (3, 2, 2, 2),
                ("{a} {b} {c} {d}", "+34 {a} {b} {c} {d}", "+34{n}", "{n}", "0034 {n}", "{a}-{b}{c}{d}"),
            ),
        ),
        first_names=_names(
            "Antonio, María, Manuel, Carmen, José, Josefa, Francisco, Isabel, David, Ana, Juan, Lucía, "
            "Javier, Laura, Daniel, Cristina, Alejandro, Marta, Sergio, Paula, Álvaro, Núria, Iñigo, "
            "Begoña, Jesús, Pilar, Raúl, Rocío, Íker, Aitana"
        ),
        last_names=_names(
            "García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, Martín, "
            "Jiménez, Ruiz, Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, Gutiérrez, Navarro, "
            "Torres, Domínguez, Vázquez, Ramos, Gil, Ramírez, Serrano, Blanco, Molina, Castaño, Ibáñez, "
            "Peña, Echeverría"
        ),
        email_domains=("gmail.com", "hotmail.es", "yahoo.es", "telefonica.net", "outlook.es"),
        company_suffixes=("S.L.", "S.A.", "y Asociados", "Hermanos"),
    ),
    Locale(
        code="pt_BR",
        weight=8,
        country_code="55",
        phones=(
            PhoneKind(
                ("119", "219", "319", "419", "519", "619", "719", "819"),
                11,
                (2, 5, 4),
                (
                    "({a}) {b}-{c}",
                    "+55 {a} {b}-{c}",
                    "+55 ({a}) {b}-{c}",
                    "{a} {b}{c}",
                    "+55{n}",
                    "0{a} {b}-{c}",
                ),
            ),
        ),
        first_names=_names(
            "Miguel, Helena, Arthur, Alice, Heitor, Laura, Bernardo, Manuela, Théo, Valentina, Davi, "
            "Sophia, Gabriel, Isabella, Pedro, Heloísa, João, Luíza, Lucas, Júlia, Matheus, Beatriz, "
            "Thiago, Larissa, Conceição, Sebastião, Iracema, Raimundo, Lívia, Caetano"
        ),
        last_names=_names(
            "Silva, Santos, Oliveira, Souza, Rodrigues, Ferreira, Alves, Pereira, Lima, Gomes, Costa, "
            "Ribeiro, Martins, Carvalho, Almeida, Lopes, Soares, Fernandes, Vieira, Barbosa, Rocha, Dias, "
            "Nascimento, Andrade, Moreira, Nunes, Marques, Machado, Mendes, Freitas, Cardoso, Conceição, "
            "Araújo, Gonçalves, Magalhães"
        ),
        email_domains=(
            "gmail.com",
            "hotmail.com",
            "uol.com.br",
            "bol.com.br",
            "terra.com.br",
            "yahoo.com.br",
        ),
        company_suffixes=("Ltda.", "S.A.", "ME", "EIRELI"),
    ),
    Locale(
        code="it_IT",
        weight=5,
        country_code="39",
        phones=(
            PhoneKind(
                ("320", "333", "340", "347", "349", "366"),
                10,
                (3, 3, 4),
                ("{a} {b} {c}", "+39 {a} {b} {c}", "+39 {n}", "{a}-{b}{c}", "{a}/{b}{c}", "0039 {n}"),
            ),
            PhoneKind(("06", "02"), 10, (2, 4, 4), ("{a} {b} {c}", "+39 {a} {b}{c}", "{a}/{b}{c}")),
        ),
        first_names=_names(
            "Leonardo, Sofia, Francesco, Giulia, Alessandro, Aurora, Lorenzo, Alice, Mattia, Ginevra, "
            "Andrea, Emma, Gabriele, Giorgia, Riccardo, Beatrice, Niccolò, Chiara, Giuseppe, Francesca"
        ),
        last_names=_names(
            "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, "
            "Gallo, Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti, Barbieri, "
            "Fontana, Santoro, Mariani, Rinaldi, Caruso, Ferrara, Galli, Martini, Leone, D'Angelo"
        ),
        email_domains=("libero.it", "gmail.com", "virgilio.it", "tiscali.it", "alice.it"),
        company_suffixes=("S.r.l.", "S.p.A.", "& C.", "S.n.c."),
    ),
    Locale(
        code="pl_PL",
        weight=4,
        country_code="48",
        phones=(
            PhoneKind(
                ("50", "51", "53", "60", "66", "69", "72", "79", "88"),
                9,
                (3, 3, 3),
                ("{a} {b} {c}", "+48 {a} {b} {c}", "{a}-{b}-{c}", "+48{n}", "{n}"),
            ),
        ),
        first_names=_names(
            "Antoni, Zuzanna, Jan, Julia, Aleksander, Zofia, Franciszek, Hanna, Jakub, Maja, Łukasz, "
            "Małgorzata, Wojciech, Agnieszka, Paweł, Katarzyna, Michał, Grażyna, Krzysztof, Jadwiga"
        ),
        last_names=_names(
            "Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński, "
            "Szymański, Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Kwiatkowski, Krawczyk, "
            "Piotrowski, Grabowski, Nowakowski, Pawłowski, Michalski, Wróblewski, Żak, Szczepański"
        ),
        email_domains=("wp.pl", "onet.pl", "interia.pl", "gmail.com", "o2.pl"),
        company_suffixes=("Sp. z o.o.", "S.A.", "i Wspólnicy"),
    ),
    Locale(
        code="nl_NL",
        weight=3,
        country_code="31",
        phones=(
            PhoneKind(
                ("6",),
                9,
                (1, 8),
                ("0{a}-{b}", "0{a} {b}", "+31 {a} {b}", "+31 (0){a} {b}", "+31{n}", "0031 {a} {b}"),
            ),
        ),
        first_names=_names(
            "Noah, Emma, Sem, Julia, Lucas, Mila, Liam, Tess, Daan, Sophie, Levi, Zoë, Finn, Sara, Bram, "
            "Fenna, Joris, Maartje, Sjoerd, Anouk"
        ),
        last_names=_names(
            "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, Meijer, "
            "de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, Brouwer, "
            "van der Meer, Kuipers, IJzerman"
        ),
        email_domains=("ziggo.nl", "kpnmail.nl", "gmail.com", "hotmail.nl", "xs4all.nl"),
        company_suffixes=("B.V.", "N.V.", "en Zonen", "V.O.F."),
    ),
    Locale(
        code="tr_TR",
        weight=3,
        country_code="90",
        phones=(
            PhoneKind(
                ("530", "532", "533", "542", "505", "555"),
                10,
                (3, 3, 2, 2),
                ("0{a} {b} {c} {d}", "+90 {a} {b} {c} {d}", "0 ({a}) {b} {c} {d}", "+90{n}", "0{n}"),
            ),
        ),
        first_names=_names(
            "Yusuf, Zeynep, Eymen, Elif, Ömer, Defne, Mustafa, Asel, Ahmet, Eylül, Çağan, Şule, Gökhan, "
            "Özlem, İbrahim, Gülşen, Serkan, Büşra"
        ),
        last_names=_names(
            "Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir, Arslan, Doğan, "
            "Kılıç, Aslan, Çetin, Kara, Koç, Kurt, Özkan, Şimşek"
        ),
        email_domains=("gmail.com", "hotmail.com", "yandex.com.tr", "outlook.com"),
        company_suffixes=("A.Ş.", "Ltd. Şti.", "ve Ortakları"),
    ),
    Locale(
        code="ru_RU",
        weight=5,
        country_code="7",
        phones=(
            PhoneKind(
                ("900", "903", "905", "909", "912", "916", "925", "926", "985"),
                10,
                (3, 3, 2, 2),
                ("8 ({a}) {b}-{c}-{d}", "+7 {a} {b}-{c}-{d}", "+7 ({a}) {b}-{c}-{d}", "8{n}", "+7{n}"),
            ),
        ),
        first_names=_names(
            "Александр|Aleksandr, Мария|Maria, Дмитрий|Dmitry, Анна|Anna, Максим|Maksim, "
            "Екатерина|Ekaterina, Сергей|Sergey, Ольга|Olga, Андрей|Andrey, Татьяна|Tatiana, "
            "Алексей|Aleksey, Наталья|Natalia, Иван|Ivan, Елена|Elena, Михаил|Mikhail, Юлия|Yulia, "
            "Артём|Artyom, Ксения|Ksenia, Николай|Nikolai, Светлана|Svetlana"
        ),
        last_names=_names(
            "Иванов|Ivanov, Смирнов|Smirnov, Кузнецов|Kuznetsov, Попов|Popov, Васильев|Vasiliev, "
            "Петров|Petrov, Соколов|Sokolov, Михайлов|Mikhailov, Новиков|Novikov, Фёдоров|Fyodorov, "
            "Морозов|Morozov, Волков|Volkov, Алексеев|Alekseev, Лебедев|Lebedev, Семёнов|Semyonov, "
            "Егоров|Egorov, Павлов|Pavlov, Козлов|Kozlov, Степанов|Stepanov, Николаев|Nikolaev"
        ),
        email_domains=("mail.ru", "yandex.ru", "gmail.com", "rambler.ru", "bk.ru"),
        company_suffixes=("ООО", "АО", "ИП"),
    ),
    Locale(
        code="ja_JP",
        weight=4,
        country_code="81",
        phones=(
            PhoneKind(
                ("90", "80", "70"),
                10,
                (2, 4, 4),
                ("0{a}-{b}-{c}", "+81 {a}-{b}-{c}", "+81 {a} {b} {c}", "0{a}{b}{c}", "+81{n}"),
            ),
            PhoneKind(("3",), 9, (1, 4, 4), ("0{a}-{b}-{c}", "+81 {a}-{b}-{c}", "0{a}({b}){c}")),
        ),
        first_names=_names(
            "太郎|Taro, 花子|Hanako, 翔太|Shota, 陽菜|Hina, 大翔|Hiroto, 結衣|Yui, 健太|Kenta, "
            "さくら|Sakura, 蓮|Ren, 美咲|Misaki, 悠真|Yuma, 葵|Aoi, 拓海|Takumi, 凛|Rin, Haruto, Yuki, "
            "Kaito, Mei"
        ),
        last_names=_names(
            "佐藤|Sato, 鈴木|Suzuki, 高橋|Takahashi, 田中|Tanaka, 伊藤|Ito, 渡辺|Watanabe, 山本|Yamamoto, "
            "中村|Nakamura, 小林|Kobayashi, 加藤|Kato, 吉田|Yoshida, 山田|Yamada, 佐々木|Sasaki, "
            "山口|Yamaguchi, 松本|Matsumoto, Inoue, Kimura, Hayashi"
        ),
        email_domains=("docomo.ne.jp", "gmail.com", "yahoo.co.jp", "ezweb.ne.jp", "softbank.ne.jp"),
        company_suffixes=("株式会社|K.K.", "有限会社|Y.K.", "Co., Ltd."),
    ),
    Locale(
        code="zh_CN",
        weight=4,
        country_code="86",
        phones=(
            PhoneKind(
                ("13", "15", "18", "19", "17"),
                11,
                (3, 4, 4),
                ("{a} {b} {c}", "+86 {a} {b} {c}", "{n}", "+86-{n}", "{a}-{b}-{c}", "0086 {n}"),
            ),
        ),
        first_names=_names(
            "伟|Wei, 芳|Fang, 娜|Na, 秀英|Xiuying, 敏|Min, 静|Jing, 丽|Li, 强|Qiang, 磊|Lei, 军|Jun, "
            "洋|Yang, 勇|Yong, 艳|Yan, 杰|Jie, 娟|Juan, 涛|Tao, 明|Ming, 超|Chao, 秀兰|Xiulan, 霞|Xia"
        ),
        last_names=_names(
            "王|Wang, 李|Li, 张|Zhang, 刘|Liu, 陈|Chen, 杨|Yang, 黄|Huang, 赵|Zhao, 吴|Wu, 周|Zhou, "
            "徐|Xu, 孙|Sun, 马|Ma, 朱|Zhu, 胡|Hu, 郭|Guo, 何|He, 高|Gao, 林|Lin, 罗|Luo"
        ),
        email_domains=("qq.com", "163.com", "126.com", "sina.com", "gmail.com"),
        company_suffixes=("有限公司|Co. Ltd.", "集团|Group", "科技|Technology"),
    ),
    Locale(
        code="ar_EG",
        weight=3,
        country_code="20",
        phones=(
            PhoneKind(
                ("10", "11", "12", "15"),
                10,
                (2, 4, 4),
                ("0{a} {b} {c}", "+20 {a} {b} {c}", "+20{n}", "0{n}", "00 20 {a} {b}{c}"),
            ),
        ),
        first_names=_names(
            "محمد|Mohamed, أحمد|Ahmed, فاطمة|Fatma, مريم|Mariam, علي|Ali, نور|Nour, يوسف|Youssef, "
            "سارة|Sara, عمر|Omar, هدى|Hoda, Mahmoud, Yasmin, Karim, Salma"
        ),
        last_names=_names(
            "حسن|Hassan, إبراهيم|Ibrahim, عبد الله|Abdallah, السيد|El-Sayed, مصطفى|Mostafa, "
            "عبد الرحمن|Abdelrahman, خليل|Khalil, سليمان|Soliman, Farouk, Nasser, Mansour, Gamal"
        ),
        email_domains=("gmail.com", "yahoo.com", "hotmail.com", "outlook.com"),
        company_suffixes=("ش.م.م|LLC", "للتجارة|Trading", "Group"),
    ),
    Locale(
        code="hi_IN",
        weight=5,
        country_code="91",
        phones=(
            PhoneKind(
                ("98", "99", "97", "96", "93", "91", "88", "70"),
                10,
                (5, 5),
                ("{a} {b}", "+91 {a} {b}", "+91-{n}", "0{n}", "+91{n}", "{n}"),
            ),
        ),
        first_names=_names(
            "Aarav, Saanvi, Vihaan, Ananya, Aditya, Diya, Arjun, Pari, Sai, Aadhya, Reyansh, Anika, "
            "Krishna, Ishita, Rohan, Priya, Rahul, Pooja, Vikram, Sneha, Siddharth, Kavya"
        ),
        last_names=_names(
            "Sharma, Verma, Gupta, Singh, Kumar, Patel, Reddy, Iyer, Nair, Mehta, Joshi, Chopra, Malhotra, "
            "Banerjee, Chatterjee, Mukherjee, Rao, Desai, Kapoor, Agarwal, Pillai, Bhattacharya"
        ),
        email_domains=("gmail.com", "rediffmail.com", "yahoo.co.in", "outlook.com"),
        company_suffixes=("Pvt. Ltd.", "Ltd.", "& Co.", "Enterprises"),
    ),
    Locale(
        code="vi_VN",
        weight=2,
        country_code="84",
        phones=(
            PhoneKind(
                ("90", "91", "93", "98", "97", "86"),
                9,
                (2, 3, 4),
                ("0{a} {b} {c}", "+84 {a} {b} {c}", "0{n}", "+84{n}", "0{a}.{b}.{c}"),
            ),
        ),
        first_names=_names(
            "Anh, Bảo, Châu, Dũng, Giang, Hà, Hải, Hương, Khánh, Linh, Minh, Ngọc, Phương, Quân, Thảo, "
            "Thủy, Trang, Tuấn, Việt, Yến"
        ),
        last_names=_names(
            "Nguyễn, Trần, Lê, Phạm, Hoàng, Huỳnh, Phan, Vũ, Võ, Đặng, Bùi, Đỗ, Hồ, Ngô, Dương, Lý"
        ),
        email_domains=("gmail.com", "yahoo.com.vn", "vnn.vn", "outlook.com"),
        company_suffixes=("TNHH|Co. Ltd.", "Cổ phần|JSC"),
    ),
    Locale(
        code="en_ZA",
        weight=2,
        country_code="27",
        phones=(
            PhoneKind(
                ("82", "83", "72", "71", "84", "11", "21"),
                9,
                (2, 3, 4),
                ("0{a} {b} {c}", "+27 {a} {b} {c}", "0{n}", "+27{n}", "(0{a}) {b}-{c}"),
            ),
        ),
        first_names=_names(
            "Thabo, Zanele, Sipho, Nomvula, Lwazi, Thandeka, Bongani, Lerato, Kagiso, Naledi, Pieter, "
            "Annelie, Johan, Marelize, Mandla, Ayanda"
        ),
        last_names=_names(
            "Dlamini, Nkosi, Ndlovu, Khumalo, Mokoena, Mahlangu, Sithole, Mthembu, Zulu, Botha, "
            "van der Merwe, Pretorius, Naidoo, Govender, Mabuza, Molefe"
        ),
        email_domains=("gmail.com", "webmail.co.za", "mweb.co.za", "telkomsa.net"),
        company_suffixes=("(Pty) Ltd", "Holdings", "CC"),
    ),
)

COMPANY_WORDS = (
    "Logistics",
    "Bakery",
    "Consulting",
    "Dental",
    "Motors",
    "Travel",
    "Software",
    "Textiles",
    "Pharma",
    "Electric",
    "Foods",
    "Insurance",
    "Studio",
    "Hotels",
    "Builders",
    "Optics",
    "Garden",
    "Freight",
    "Media",
    "Farms",
)

PLANS = ("Free", "Starter", "Pro", "Business", "Enterprise")
TIERS = ("bronze", "silver", "gold", "platinum")

WIDGET_HOSTS = ("shop.example.com", "www.example.com", "help.example.com", "app.example.com")
EMAIL_INBOXES = ("support@example.com", "billing@example.com", "sales@example.com")
SMS_NUMBERS = ("+15550100001", "+447700900100", "+4915100000001")

DEPARTMENT_NAMES = (
    "Support",
    "Sales",
    "Billing",
    "Technical",
    "Returns",
    "Onboarding",
    "VIP",
    "Partners",
    "Shipping",
    "Security",
    "Enterprise",
    "Community",
)

TAG_NAMES = (
    "billing",
    "refund",
    "shipping",
    "login",
    "bug",
    "feature-request",
    "complaint",
    "delivery-delay",
    "password-reset",
    "invoice",
    "upgrade",
    "cancellation",
    "order-status",
    "damaged-item",
    "warranty",
    "account-locked",
    "pricing",
    "integration",
    "api",
    "mobile-app",
    "spam",
    "vip",
    "escalated",
    "follow-up",
    "feedback",
    "returns",
    "payment-failed",
    "address-change",
    "gdpr",
    "onboarding",
)

VISITOR_LINES = (
    "Hi, my order hasn't arrived yet.",
    "Hello, I was charged twice this month.",
    "I can't log in to my account.",
    "How do I change my delivery address?",
    "The app crashes when I open the settings.",
    "Can I get a refund for order {order}?",
    "Is the {product} available in blue?",
    "My package says delivered but I never got it.",
    "I'd like to upgrade to the Pro plan.",
    "The invoice shows the wrong VAT number.",
    "Thanks, that fixed it!",
    "Could you send me the invoice again?",
    "Hallo, meine Bestellung ist noch nicht angekommen.",
    "Bonjour, je n'arrive pas à me connecter.",
    "Hola, quiero cancelar mi suscripción.",
    "Olá, o produto chegou danificado.",
    "Здравствуйте, не приходит код подтверждения.",
    "注文した商品がまだ届きません。",
    "我的账户被锁定了，怎么办？",
    "ok",
    "yes please",
    "It's order number {order}.",
    "My email is on the account.",
    "Still not working, sorry.",
    "When will it ship?",
    "Perfect, thank you very much.",
)

AGENT_LINES = (
    "Hi! Thanks for reaching out, let me check that for you.",
    "Could you share your order number, please?",
    "I've issued the refund; it will show up in 3 to 5 business days.",
    "I've reset your password, please check your inbox.",
    "Sorry about that! I'm escalating this to our technical team.",
    "Your order {order} left our warehouse yesterday.",
    "I've updated the address on your account.",
    "Is there anything else I can help you with?",
    "The Pro plan is now active on your account.",
    "I've sent the corrected invoice to your email.",
    "Danke für Ihre Geduld, ich schaue gleich nach.",
    "Merci, je vérifie tout de suite.",
    "Gracias, ya lo he solucionado.",
    "Have a great day!",
)

PRODUCTS = ("jacket", "backpack", "router", "coffee grinder", "headphones", "desk lamp", "sneakers")
CLOSING_COMMENTS = ("Resolved", "Refund issued", "Duplicate", "No answer from customer", "Escalated", "")
