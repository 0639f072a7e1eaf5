"""Chinese texts of the run report (see :mod:`.i18n`). Terms follow the source documents:
大病保险 (SIMI), 基本医疗保险 (BMI), 起付线 (starting line), 封顶线 (cap), 筹资标准
(financing standard), 当期结余 / 累计结余 (current / accumulated balance), 基金结余率,
累计结余率, 基金使用率 (utilisation rate), 赔付率 (loss ratio), 承保机构 (insurer),
灾难性卫生支出 (catastrophic health expenditure)."""

from __future__ import annotations

N = r"(-?[\d,]+(?:\.\d+)?)"  # a formatted number

#: Whole texts.
EXACT = {
    "Scenario summary": "情景概要",
    "Resolved rules per year": "各年度适用的政策规则",
    "Results by year": "分年度结果",
    "Fund indicators and financing standard": "基金指标与筹资标准",
    "Insurer contract": "承保机构合同",
    "Figures": "图表",
    "Monte Carlo error": "蒙特卡洛误差",
    "Manifest (provenance)": "运行清单（数据来源）",
    "item": "项目", "value": "数值", "scenario": "情景", "description": "说明",
    "horizon": "预测期", "insured": "参保人数", "groups": "人群",
    "SIMI financing": "大病保险筹资标准", "Monte Carlo": "蒙特卡洛模拟",
    "engine": "模拟引擎",
    "microsimulation: every claimant of every path simulated": "微观模拟：逐条路径逐人模拟",
    "The proxy's own estimation error is common to every path, so the standard errors of "
    "means and probabilities do not include it; the required standard's interval does (its sd "
    "from the proxy, delta method, added in quadrature). It is also measured by the check "
    "against the microsimulation (simi run --check-micro; docs/performance.md).":
        "代理引擎自身的估计误差为各路径共有，因此均值和概率的标准误不包含该误差；所需筹资标准的"
        "置信区间已包含（由代理引擎按delta方法估计其标准差，以平方和方式合并）。其大小亦由与微观"
        "模拟的对照检验衡量（simi run --check-micro；参见 docs/performance.md）。",
    "SIMI claims per insured": "大病保险人均赔付", "exhaustion year": "基金耗尽年份",
    "no path exhausted within the horizon": "预测期内没有路径出现基金耗尽",
    "Amounts are nominal CNY. ± values are one Monte Carlo standard error.":
        "金额为名义人民币（元）。± 为一个蒙特卡洛标准误。",
    "Rules in force by period (as printed by simi validate): BMI deductible/rate by hospital "
    "level, SIMI starting line, bands and cap by group, assistance.":
        "各时期有效的政策（与 simi validate 输出一致）：基本医疗保险按医院级别的起付标准与报销"
        "比例，大病保险按人群的起付线、分段比例与封顶线，医疗救助。",
    "Per year (– = no cap):": "分年度（– 表示不设封顶线）：",
    "year": "年份", "SIMI financing (CNY/insured)": "大病保险筹资标准（元/人）",
    "SIMI standard under the rule, p50": "筹资规则下的大病保险筹资标准（中位数）",
    "Fund and risk": "基金与风险",
    "SIMI income (CNY)": "大病保险基金收入（元）",
    "SIMI expenditure (CNY)": "大病保险基金支出（元）",
    "SIMI claims per insured (CNY)": "大病保险人均赔付（元）",
    "± SE": "± 标准误", "loss ratio": "赔付率",
    "P(current deficit)": "当期结余为负的概率",
    "P(acc. balance < 0)": "累计结余为负的概率",
    "acc. balance p05 (CNY)": "累计结余 第5百分位（元）",
    "acc. balance p50 (CNY)": "累计结余 中位数（元）",
    "acc. balance p95 (CNY)": "累计结余 第95百分位（元）",
    "Accumulated balance quantiles are over paths; their standard errors are in summary.csv "
    "(_se columns).": "累计结余分位数按路径计算；其标准误见 summary.csv（_se 列）。",
    "Who pays, beneficiaries, catastrophic expenditure": "费用分担、受益人数与灾难性卫生支出",
    "BMI": "基本医疗保险", "SIMI": "大病保险", "assistance": "医疗救助",
    "patient in-scope": "患者目录内自付", "self-pay": "目录外自费",
    "SIMI actual payment ratio": "大病保险实际报销比例",
    "SIMI actual payment ratio per episode": "大病保险实际报销比例（按住院人次）",
    "SIMI beneficiaries": "大病保险受益人数",
    "CHE rate (per insured)": "灾难性卫生支出发生率（每参保人）",
    "Required financing standard by risk tolerance": "不同风险容忍度下所需的筹资标准",
    "α": "α", "standard (CNY/insured, first year)": "筹资标准（元/人，首年）",
    "95 % CI low": "95% 置信区间下限", "95 % CI high": "95% 置信区间上限",
    "P(deficit) in sample": "样本内赤字概率",
    "Standard held flat over the horizon, meeting P(accumulated deficit in any year) ≤ α; "
    "solved per path without re-simulation (the balance is linear in the standard); 95 % CI "
    "by bootstrap over paths.":
        "筹资标准在预测期内保持不变，使任一年累计结余为负的概率 ≤ α；利用结余对筹资标准的线性"
        "关系逐路径求解，无需重新模拟；95% 置信区间由路径自助法得到。",
    "Published fund indicators": "公开发布的基金指标",
    "utilisation rate": "基金使用率", "balance rate": "基金结余率",
    "accumulated balance rate": "累计结余率",
    "current balance (CNY)": "当期结余（元）", "accumulated balance (CNY)": "累计结余（元）",
    "Utilisation rate = expenditure / income; balance rate = current balance / income; "
    "accumulated balance rate = accumulated balance / income (means over paths).":
        "基金使用率 = 支出 / 收入；基金结余率 = 当期结余 / 收入；累计结余率 = 累计结余 / 收入"
        "（各路径均值）。",
    "The SIMI standard follows the fixed history of the scenario in every path: no response "
    "by the bureau to deficits or surpluses. Read the deficit probabilities as a stress case, "
    "not as a forecast of a managed fund.":
        "各路径的大病保险筹资标准均按情景设定的固定标准执行，医保部门不因赤字或结余调整标准。"
        "因此赤字概率应视为压力情景，而非对动态管理基金的预测。",
    "Financing standard under the rule": "筹资规则下的筹资标准",
    "fixed standard (CNY)": "固定筹资标准（元）",
    "standard p05 (CNY)": "筹资标准 第5百分位（元）",
    "standard p50 (CNY)": "筹资标准 中位数（元）",
    "standard p95 (CNY)": "筹资标准 第95百分位（元）",
    "cumulative extra financing (CNY/insured)": "累计追加筹资（元/人）",
    "P(acc. balance < 0), fixed": "年末累计结余为负的概率（固定标准）",
    "P(acc. balance < 0), rule": "年末累计结余为负的概率（筹资规则）",
    "P(acc. balance < 0 in any year so far), rule": "截至当年曾出现累计结余为负的概率（筹资规则）",
    "The standard of year t+1 is set on each path from year t's accounts; p05/p50/p95 are "
    "over paths with distribution-free standard errors.":
        "第 t+1 年的筹资标准在每条路径上根据第 t 年的基金收支确定；第5/50/95百分位按路径计算，"
        "标准误不依赖分布假设。",
    "BMI financing under its rule": "筹资规则下的基本医疗保险筹资标准",
    "BMI standard p05 (CNY)": "基本医疗保险筹资标准 第5百分位（元）",
    "BMI standard p50 (CNY)": "基本医疗保险筹资标准 中位数（元）",
    "BMI standard p95 (CNY)": "基本医疗保险筹资标准 第95百分位（元）",
    "BMI cumulative extra financing (CNY/insured)": "基本医疗保险累计追加筹资（元/人）",
    "P(BMI current deficit)": "基本医疗保险当期结余为负的概率",
    "insurer result (CNY)": "承保机构经营结果（元）",
    "P(insurer loss)": "承保机构亏损概率",
    "returned surplus (CNY)": "返还结余（元）",
    "fund's loss share (CNY)": "基金分担亏损（元）",
    "fund net cost (CNY)": "基金净成本（元）",
    "insurer cumulative result (CNY)": "承保机构累计经营结果（元）",
    "P(insurer cumulative loss)": "承保机构累计亏损概率",
    "Insurer result after the profit cap and the loss corridor; returned surplus and the "
    "fund's loss share are the BMI fund's side.":
        "承保机构经营结果已计入盈利率上限与亏损分担区间；返还结余与基金分担亏损属于基本医疗"
        "保险基金一方。",
    "Standards that price the contract": "合同定价对应的筹资标准",
    "target": "目标", "note": "说明", "Contract frontier": "合同边界",
    "Left: the SIMI layer's P(accumulated deficit in any year) against the insurer's expected "
    "result per insured-year, one line per loss corridor and profit cap, points labelled with "
    "the standard. Right: P(insurer's cumulative loss over the horizon) by standard. Same "
    "paths throughout.":
        "左图：大病保险任一年累计结余为负的概率与承保机构每参保人年期望经营结果的关系，每条线"
        "对应一组亏损分担区间与盈利上限，点旁标注筹资标准。右图：各筹资标准下承保机构在预测期内"
        "累计亏损的概率。全部基于同一组路径。",
    "insurer's expected margin = 0": "承保机构期望利润率 = 0",
    "BMI fund's expected net cost = 0": "基本医疗保险基金期望净成本 = 0",
    "Accumulated SIMI balance (end of year, nominal): median and the bands holding 50 % and "
    "90 % of the paths.": "大病保险累计结余（年末，名义值）：中位数及包含 50% 与 90% 路径的区间。",
    "Share of paths with a current deficit in the year and with a negative accumulated "
    "balance at the end of the year; error bars ± 1.96 Monte Carlo standard errors.":
        "当年当期结余为负、年末累计结余为负的路径占比；误差线为 ± 1.96 个蒙特卡洛标准误。",
    "First year in which the accumulated balance is negative, share of paths.":
        "累计结余首次为负的年份（路径占比）。",
    "Mean shares of claimants' total cost paid by each layer and by patients.":
        "就医者总费用中各支付方与患者承担的平均比例。",
    "Per-capita standard (first year, held flat) that keeps P(accumulated deficit in any "
    "year) at or below α, with 95 % bootstrap CI.":
        "使任一年累计结余为负的概率不超过 α 的人均筹资标准（首年，保持不变）及其 95% 自助法置信区间。",
    "Expected insured persons by age and sex (cohort-component projection of the scenario's "
    "population assumptions; the engine rounds these to whole persons per cell and group).":
        "按年龄、性别的预期参保人数（按情景人口假设的队列要素法预测；模型按单元与人群取整）。",
    "Standard errors fall as 1/√paths: four times the paths halve them.":
        "标准误按 1/√路径数 下降：路径数增至四倍，标准误减半。",
    "These errors measure simulation noise only. They do not cover uncertainty in the "
    "assumptions beyond what the scenario's risk section models, nor model error: see `simi "
    "sensitivity` for how results move with each assumption.":
        "上述误差仅衡量模拟噪声，不包括情景风险设定以外的假设不确定性和模型误差；各假设对结果的"
        "影响见 `simi sensitivity`。",
    "Resolved scenario (JSON)": "解析后的情景（JSON）",
    # the opening sections (report/answers.py, headline.py, scenario/provenance.py)
    "Conclusion": "结论",
    "Key assumptions and where they come from": "关键假设及其来源",
    "standard (CNY per insured)": "筹资标准（元/人）",
    "assumption": "假设", "origin": "来源",
    "SIMI financing (CNY per insured)": "大病保险筹资标准（元/人）",
    "BMI financing (CNY per insured)": "基本医疗保险筹资标准（元/人）",
    "insured persons": "参保人数", "age-sex structure": "年龄性别结构",
    "hospitalisation (incidence)": "住院发生率", "cost per admission": "次均住院费用",
    "high-cost tail": "高额费用尾部", "level mix": "医院等级构成",
    "readmissions": "再住院",
    "model default: ASSUMPTION (about 1.3 admissions per hospitalised person)":
        "模型默认值：假设（每名住院者约 1.3 次住院）",
    "cost trend": "医疗费用增长趋势", "utilisation trend": "住院利用率增长趋势",
    "SIMI rules": "大病保险政策",
    "out-of-scope cost counted toward the SIMI line": "目录外费用计入大病保险起付线的比例",
    "model default: none (policy-scope cost only)": "模型默认值：不计入（仅政策范围内费用）",
    "model default: national residents' insurance 2021 (National Healthcare Security "
    "Administration, statistical bulletin 2021), not this place":
        "模型默认值：2021 年全国城乡居民医保（国家医疗保障局统计公报 2021），非本地数据",
    "model default: ASSUMPTION 1,000,000": "模型默认值：假设 1,000,000",
    "model default: 7th census 2020 national structure (National Bureau of Statistics)":
        "模型默认值：第七次全国人口普查（2020）全国结构（国家统计局）",
    "model default: ASSUMPTION checked against Nanning 2022 SIMI episodes by cost band":
        "模型默认值：假设，已对照南宁 2022 年大病保险分费用段病例核查",
    "model default: estimated from the NHC statistical bulletins 2015-2021 (national)":
        "模型默认值：根据国家卫生健康统计公报 2015–2021 年数据估计（全国）",
    "not set (run and solve need it)": "未设置（run 与 solve 需要）",
    "not set (the BMI fund is not projected)": "未设置（不预测基本医疗保险基金）",
    "not set": "未设置",
}

#: Texts with numbers: (regular expression on the whole text, replacement).
PATTERNS = [
    (r"SIMI fund projection: (.+)", r"大病保险基金预测：\1"),
    (r"(\d{4})–(\d{4}) \((\d+) years\)", r"\1–\2 年（\3 年）"),
    (rf"{N} in (\d{{4}}), {N} in (\d{{4}})", r"\2 年 \1，\4 年 \3"),
    (rf"{N} CNY per insured in (\d{{4}}), {N} in (\d{{4}})", r"\2 年每参保人 \1 元，\4 年 \3 元"),
    (rf"{N} paths, seed (\d+)", r"\1 条路径，随机种子 \2"),
    (rf"{N} CNY in (\d{{4}}) → {N} ± {N} in (\d{{4}})", r"\2 年 \1 元 → \5 年 \3 ± \4 元"),
    (r"P\(accumulated deficit by (\d{4})\)", r"截至 \1 年累计结余为负的概率"),
    (rf"median (\d{{4}}) among the {N} % of paths exhausted within the horizon",
     r"预测期内基金耗尽的路径占 \2%，其耗尽年份中位数为 \1 年"),
    (rf"required standard \(P\(accumulated deficit in any year\) ≤ {N}\)",
     r"所需筹资标准（任一年累计结余为负的概率 ≤ \1）"),
    (rf"{N} CNY per insured in (\d{{4}}) \(95 % bootstrap CI {N}–{N}\), flat over the horizon",
     r"\2 年每参保人 \1 元（95% 自助法置信区间 \3–\4），预测期内保持不变"),
    (r"(.+): share", r"\1：人群占比"),
    (r"(.+): starting line \(CNY\)", r"\1：起付线（元）"),
    (r"(.+): SIMI cap \(CNY\)", r"\1：大病保险封顶线（元）"),
    (rf"P\(insurer's cumulative loss\) ≤ {N}", r"承保机构累计亏损概率 ≤ \1"),
    (rf"By (\d{{4}}) the rule costs {N} ± {N} CNY per insured of extra financing \(cumulative, "
     rf"mean over paths\) and moves P\(accumulated balance < 0 at the end of \d{{4}}\) from {N} "
     rf"at the fixed history to {N} ± {N} \(same paths\)\. .*",
     r"至 \1 年，该规则使每参保人累计追加筹资 \2 ± \3 元（各路径均值），该年末累计结余为负的"
     r"概率由固定标准下的 \4 变为 \5 ± \6（同一组路径）。筹资规则在出现赤字后才作出反应，因此"
     r"“曾出现赤字”的路径比例高于年末赤字概率。"),
    (r"Financing rule: (.+?)\. Source: (.+)", r"筹资规则：\1。来源：\2"),
    (r"BMI rule: (.+?)\. Source: (.+)", r"基本医疗保险筹资规则：\1。来源：\2"),
    (r"Over the whole horizon \((\d+) years\), standard held flat, solved on the run's paths "
     r"\(see .+\)\.", r"在整个预测期（\1 年）内筹资标准保持不变，基于本次运行的路径求解（参见 "
     r"simi solve --target insurer_loss、insurer_margin、fund_net_cost；不同亏损分担区间与盈利"
     r"上限见 simi frontier）。"),
    # the engine (report/build.engine_text); the design without process noise first
    *[(r"proxy: conditional moments from inner microsimulations on (\d+) cost-factor grid "
       rf"points per year, {N}–{N} inner claimants per grid point{en}; {tail}",
       r"代理引擎：每年在 \1 个费用因子网格点上以内层微观模拟估计条件矩，每个网格点 \2–\3 名内层"
       rf"患者{zh}；{tail_zh}")
      for en, zh in ((", no process noise", "，无过程噪声"), ("", ""))
      for tail, tail_zh in (
          (r"checked against the microsimulation on (\d+) paths, largest \|z\| " + N,
           r"已在 \4 条路径上与微观模拟对照检验，最大 |z| 为 \5"),
          (r"not checked against the microsimulation \(simi run --check-micro\)",
           r"未与微观模拟对照检验（simi run --check-micro）"))],
    (rf"Every figure here is estimated from {N} independent Monte Carlo paths \(seed (\d+)\)\. "
     r".*within each path the claims are drawn from the proxy engine's conditional moments.*",
     r"本报告所有数字均由 \1 条独立蒙特卡洛路径估计（随机种子 \2）。系统性风险（费用趋势及其"
     r"冲击、利用率冲击、参数不确定性）每条路径抽取一次；各路径内的赔付由代理引擎的条件矩抽取，"
     r"条件矩由内层微观模拟一次性估计。"),
    (rf"Every figure here is estimated from {N} independent Monte Carlo paths \(seed (\d+)\)\. "
     r".*", r"本报告所有数字均由 \1 条独立蒙特卡洛路径估计（随机种子 \2）。系统性风险（费用趋势及其"
     r"冲击、利用率冲击、参数不确定性）每条路径抽取一次；各路径内逐人模拟赔付。"),
    (rf"Probabilities: the largest standard error of P\(accumulated balance < 0\) over the years "
     rf"is {N} \(at p = {N}\); with {N} paths no probability has a standard error above {N}\. "
     rf".* as far as about {N} from it .*",
     r"概率：各年累计结余为负概率的最大标准误为 \1（p = \2）；在 \3 条路径下任何概率的标准误"
     r"都不超过 \4。估计为 0（或 1）的概率其二项标准误为 0，但真实值可能相差约 \5（三分法则，95%）。"),
    (rf"Means: the relative standard error of SIMI claims per insured is at most {N} % in any "
     r"year\.", r"均值：各年大病保险人均赔付的相对标准误不超过 \1%。"),
    (rf"Required standard at α = {N}: 95 % bootstrap interval {N}–{N} CNY around {N} "
     rf"\(relative half-width {N} %\)\.",
     r"α = \1 时所需筹资标准为 \4 元，95% 自助法区间 \2–\3 元（相对半宽 \5%）。"),
    (rf"Caution: {N} paths leave fewer than 10 paths beyond the α = {N} tail; .*",
     r"注意：\1 条路径中超过 α = \2 尾部的路径不足 10 条，尾部指标（第5百分位、小 α 下的筹资标准）"
     r"较粗略。决策请至少使用 1,000 条路径。"),
    (r"Read from (.+)\. The scenario hash is .*",
     r"读取自 \1。情景哈希为下方解析后情景的 SHA-256，生成本报告时已校验。"),
    (r"Population pyramid not drawn: (.+)", r"未绘制人口金字塔：\1"),
    # provenance of the key assumptions (scenario/provenance.py)
    (r"WARNING: morbidity and costs are the model's national defaults, not fitted to this "
     r"place: .*", r"警告：发病与费用参数为模型的全国默认值，未按本地数据拟合：请用本地理赔明细和"
     r"基金账目拟合（simi fit-claims、simi calibrate；参见 docs/new-city.md）。"),
    (r"WARNING: morbidity and costs were not fitted in this file \(.+\): valid only if "
     r"that is the same place and data \(docs/new-city\.md\)",
     r"警告：发病与费用参数并非在本文件中拟合（来源见上表）：仅当其来自同一地区、同一数据时才"
     r"适用（参见 docs/new-city.md）。"),
    (r"inherited from (.+), fitted by (simi \S+)", r"继承自 \1（由 \2 拟合）"),
    (r"inherited from (.+)", r"继承自 \1"),
    (r"this file \((.+), fitted by (simi \S+)\)", r"本文件（\1，由 \2 拟合）"),
    (r"this file \((.+)\)", r"本文件（\1）"),
    # the conclusion (headline.conclusion_sentences), one sentence per paragraph
    (rf"(.+): at the (\d{{4}}) standard of {N} CNY per insured the probability of an "
     rf"accumulated SIMI deficit by (\d{{4}}) is {N} %; that standard is enough\.",
     r"\1：按 \2 年每参保人 \3 元的筹资标准，截至 \4 年大病保险累计结余为负的概率为 \5%；"
     r"该标准足够。"),
    (rf"(.+): at the (\d{{4}}) standard of {N} CNY per insured the probability of an "
     rf"accumulated SIMI deficit by (\d{{4}}) is {N} %; that standard is not enough\.",
     r"\1：按 \2 年每参保人 \3 元的筹资标准，截至 \4 年大病保险累计结余为负的概率为 \5%；"
     r"该标准不足。"),
    (rf"(.+): under its financing rule \((.+)\), starting from {N} CNY per insured in "
     rf"(\d{{4}}), the probability that the accumulated SIMI balance is negative at the end "
     rf"of (\d{{4}}) is {N} % \(in some year up to \d{{4}}: {N} %\); the standards below "
     r"are fixed ones, without the rule\.",
     r"\1：按其筹资规则（\2），自 \4 年每参保人 \3 元起，\5 年末大病保险累计结余为负的概率为 "
     r"\6%（截至该年任一年为负：\7%）；下列筹资标准为不随规则调整的固定标准。"),
    (rf"A flat standard of {N} CNY per insured \(95 % CI {N}–{N}\) keeps the probability "
     rf"of an accumulated deficit in any year of (\d{{4}})–(\d{{4}}) at or below {N} %\.",
     r"每参保人 \1 元（95% 置信区间 \2–\3）的固定筹资标准可使 \4–\5 年任一年累计结余为负的"
     r"概率不超过 \6%。"),
    (rf"Paid year by year, the standard needed rises from {N} CNY in (\d{{4}}) to {N} CNY "
     rf"in (\d{{4}}): a flat standard charges early years for later ones\.",
     r"若逐年筹资，所需标准由 \2 年的 \1 元升至 \4 年的 \3 元：固定标准以早年的多筹弥补后期。"),
    (rf"Paid year by year, the standard needed rises from {N} CNY in (\d{{4}}) to {N} CNY "
     rf"in (\d{{4}})\.", r"若逐年筹资，所需标准由 \2 年的 \1 元变为 \4 年的 \3 元。"),
    (rf"Standard needed year by year \(CNY per insured; P\(deficit in that year\) ≤ {N}\), "
     r"with 95 % bootstrap intervals:",
     r"逐年所需筹资标准（元/人；当年赤字概率 ≤ \1），附 95% 自助法置信区间："),
]

#: Words and phrases inside other texts (e.g. figure labels, the rule description).
PHRASES = {
    "accumulated balance": "累计结余", "current balance": "当期结余",
    "Accumulated SIMI balance": "大病保险累计结余", "SIMI": "大病保险", "BMI": "基本医疗保险",
    "starting line": "起付线", "financing standard": "筹资标准", "loss ratio": "赔付率",
    "insured": "参保人", "per insured": "每参保人", "CNY": "元", "year": "年份",
    "years": "年", "paths": "路径", "probability": "概率", "deficit": "赤字",
    "band": "区间", "max step up": "最大上调", "down": "下调", "rounded to": "取整至",
    "share": "比例", "median": "中位数", "insurer": "承保机构", "target": "目标",
    "loss_ratio": "赔付率规则", "recovery over": "弥补期", "from": "起始于", "balance": "累计结余率规则", "bmi_share": "按基本医疗保险筹资比例",
}
