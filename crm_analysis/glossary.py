"""One definition per term, in English and Chinese: the reports' footnotes and the learning path read it here.

Each entry names the term, says what it measures, the threshold usually applied and where
that threshold comes from (a key of :data:`REFERENCES`). A notebook shows a definition with
:func:`define`, the end-of-report glossary with :func:`footnotes`, and the whole list with
:func:`table`.

Examples
--------
>>> from crm_analysis import glossary
>>> glossary.name("ave", "zh")
'平均方差提取量（AVE）'
>>> glossary.entry("htmt").sources
('henseler2015',)
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import ParameterError
from .i18n import check_lang

__all__ = ["Entry", "GLOSSARY", "REFERENCES", "cite", "define", "entry", "footnotes", "name", "references", "table"]


@dataclass(frozen=True)
class Entry:
    """A term: its name and definition in both languages, and the sources of its threshold."""

    name_en: str
    name_zh: str
    en: str
    zh: str
    sources: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return self.name_zh if check_lang(lang) == "zh" else self.name_en

    def text(self, lang: str) -> str:
        return self.zh if check_lang(lang) == "zh" else self.en


REFERENCES: dict[str, str] = {
    "hair2019": "Hair, J. F., Risher, J. J., Sarstedt, M., & Ringle, C. M. (2019). When to use and how to report "
                "the results of PLS-SEM. European Business Review, 31(1), 2-24.",
    "hair2022": "Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2022). A Primer on Partial Least "
                "Squares Structural Equation Modeling (PLS-SEM), 3rd ed. Sage.",
    "henseler2015": "Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing discriminant "
                    "validity in variance-based structural equation modeling. Journal of the Academy of Marketing "
                    "Science, 43(1), 115-135.",
    "fornell1981": "Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with unobservable "
                   "variables and measurement error. Journal of Marketing Research, 18(1), 39-50.",
    "dijkstra2015": "Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least squares path modeling. "
                    "MIS Quarterly, 39(2), 297-316.",
    "hu1999": "Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure analysis. "
              "Structural Equation Modeling, 6(1), 1-55.",
    "fornell1996": "Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E. (1996). The American "
                   "Customer Satisfaction Index: nature, purpose, and findings. Journal of Marketing, 60(4), 7-18.",
    "fornell1992": "Fornell, C. (1992). A national customer satisfaction barometer: the Swedish experience. "
                   "Journal of Marketing, 56(1), 6-21.",
    "eklof2002": "Eklöf, J. A., & Westlund, A. H. (2002). The pan-European customer satisfaction index programme: "
                 "current work and the way ahead. Total Quality Management, 13(8), 1099-1106.",
    "tenenhaus2005": "Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M., & Lauro, C. (2005). PLS path modeling. "
                     "Computational Statistics & Data Analysis, 48(1), 159-205.",
    "zhao2003": "Zhao Ping (赵平) et al. (2003). 中国顾客满意指数指南 [Guide to the China Customer Satisfaction "
                "Index]. Beijing: Standards Press of China.",
    "nunnally1994": "Nunnally, J. C., & Bernstein, I. H. (1994). Psychometric Theory, 3rd ed. McGraw-Hill.",
    "mcdonald1999": "McDonald, R. P. (1999). Test Theory: A Unified Treatment. Erlbaum.",
    "cohen1968": "Cohen, J. (1968). Weighted kappa. Psychological Bulletin, 70(4), 213-220.",
    "landis1977": "Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for categorical data. "
                  "Biometrics, 33(1), 159-174.",
    "guttman1944": "Guttman, L. (1944). A basis for scaling qualitative data. American Sociological Review, 9(2), "
                   "139-150.",
    "mokken1971": "Mokken, R. J. (1971). A Theory and Procedure of Scale Analysis. Mouton.",
    "hughes1994": "Hughes, A. M. (1994). Strategic Database Marketing. Probus.",
    "fader2005": "Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). \"Counting your customers\" the easy way: "
                 "an alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.",
    "fader2005gg": "Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: using iso-value curves for "
                   "customer base analysis. Journal of Marketing Research, 42(4), 415-430.",
    "peppers1999": "Peppers, D., Rogers, M., & Dorf, B. (1999). Is your company ready for one-to-one marketing? "
                   "Harvard Business Review, 77(1), 151-160.",
    "buttle2009": "Buttle, F. (2009). Customer Relationship Management: Concepts and Technologies, 2nd ed. "
                  "Butterworth-Heinemann.",
    "hubert1985": "Hubert, L., & Arabie, P. (1985). Comparing partitions. Journal of Classification, 2(1), 193-218.",
    "efron1993": "Efron, B., & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.",
    "henseler2009": "Henseler, J., Ringle, C. M., & Sinkovics, R. R. (2009). The use of partial least squares path "
                    "modeling in international marketing. Advances in International Marketing, 20, 277-319.",
    "ringle2016": "Ringle, C. M., & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results: the "
                  "importance-performance map analysis. Industrial Management & Data Systems, 116(9), 1865-1886.",
    "vandenberg2000": "Vandenberg, R. J., & Lance, C. E. (2000). A review and synthesis of the measurement "
                      "invariance literature. Organizational Research Methods, 3(1), 4-70.",
    "seeds": "Chinese practitioner articles on CRM: 客户关系管理等级分类：从初级到高级 [CRM grading from primary "
             "to advanced]; 客户关系五级管理 [five-level customer relationship management]; 客户关系管理的体系框架"
             "分析 [CRM frameworks: RFM, IDIC, Buttle, CSI models].",
}

_E = Entry
GLOSSARY: dict[str, Entry] = {
    # --- CSI models ---------------------------------------------------------------------------
    "acsi": _E("American Customer Satisfaction Index (ACSI)", "美国顾客满意度指数（ACSI）",
               "The national index launched in 1994: customer expectations, perceived quality and perceived value "
               "drive satisfaction, which in turn drives complaints and loyalty. Scores are reported on 0-100.",
               "1994 年发布的美国国家顾客满意度指数：顾客预期、感知质量和感知价值决定满意度，满意度再影响顾客抱怨和"
               "忠诚。得分以 0-100 报告。", ("fornell1996",)),
    "ecsi": _E("European Customer Satisfaction Index (ECSI)", "欧洲顾客满意度指数（ECSI）",
               "The European adaptation of the ACSI (1999 onwards): it adds corporate image as a driver of "
               "expectations, satisfaction and loyalty. Complaints, central in the ACSI, is optional; the ECSI model "
               "of the mobile-phone data (Tenenhaus et al. 2005) keeps it between satisfaction and loyalty.",
               "ACSI 的欧洲版本（1999 年起）：增加企业形象，作为预期、满意度和忠诚的驱动因素。ACSI 中居于核心的顾客抱怨"
               "在 ECSI 中是可选的；移动电话数据的 ECSI 模型（Tenenhaus 等，2005）把它保留在满意度与忠诚之间。",
               ("eklof2002", "tenenhaus2005")),
    "ccsi": _E("China Customer Satisfaction Index (CCSI)", "中国顾客满意度指数（CCSI）",
               "The Chinese index model (Tsinghua University and the China Association for Quality): brand image "
               "joins the ACSI's drivers, and loyalty is the final outcome.",
               "中国顾客满意度指数模型（清华大学与中国质量协会）：在 ACSI 的驱动因素之外加入品牌形象，并以顾客忠诚"
               "作为最终结果。", ("zhao2003",)),
    "scsb": _E("Swedish Customer Satisfaction Barometer (SCSB)", "瑞典顾客满意度晴雨表（SCSB）",
               "The first national index (1989): expectations and perceived value drive satisfaction, which drives "
               "voice (complaints) and loyalty. The ACSI grew out of it.",
               "世界上第一个国家顾客满意度指数（1989 年）：预期和感知价值决定满意度，满意度再影响抱怨和忠诚。ACSI 就是"
               "在它的基础上发展起来的。", ("fornell1992",)),
    "csi_index": _E("0-100 index score", "0-100 指数得分",
                    "A construct's score as the ACSI reports it: the weighted mean of its items with the PLS outer "
                    "weights (unstandardised, rescaled to sum 1), mapped from the answer scale to 0-100: "
                    "$I = 100\\,(\\sum_i w_i \\bar x_i - \\min)/(\\max - \\min)$.",
                    "ACSI 报告构念得分的方式：以 PLS 外部权重（非标准化、归一为和等于 1）对各题项加权平均，再把答题量表换算为"
                    " 0-100：$I = 100\\,(\\sum_i w_i \\bar x_i - \\min)/(\\max - \\min)$。", ("fornell1996",)),
    "ipma": _E("Importance-performance map (IPMA)", "重要性-表现分析（IPMA）",
               "Plots each driver's total effect on the target (importance, both on 0-100) against the driver's index "
               "(performance). Drivers of high importance and low performance are where improvement pays most.",
               "以每个驱动因素对目标构念的总效应（重要性，二者都按 0-100 计分）为横轴、驱动因素自身的指数（表现）为纵轴"
               "作图。重要性高而表现低的因素最值得改进。", ("ringle2016",)),
    # --- estimation ---------------------------------------------------------------------------
    "pls_sem": _E("PLS path modelling (PLS-SEM)", "偏最小二乘路径建模（PLS-SEM）",
                  "Estimates each construct as a weighted sum (a composite) of its items, alternating between outer "
                  "weights and inner (path) estimates until the weights settle; then the paths are regressions "
                  "between the composites. Needs no distributional assumption and suits prediction and index scores.",
                  "把每个构念估计为其题项的加权和（合成变量），在外部权重与内部（路径）估计之间交替迭代直到权重稳定，"
                  "再以合成变量之间的回归得到路径系数。它不需要分布假设，适合预测和计算指数得分。",
                  ("tenenhaus2005", "hair2022")),
    "cb_sem": _E("Covariance-based SEM (CB-SEM)", "基于协方差的结构方程模型（CB-SEM）",
                 "Treats each construct as a common factor measured with error and chooses the parameters whose implied "
                 "covariance matrix is closest (maximum likelihood) to the observed one. Gives a test of the whole model "
                 "(χ², CFI, RMSEA, SRMR).",
                 "把每个构念视为带测量误差的公因子，选择使模型隐含协方差矩阵与观测协方差矩阵最接近（最大似然）的参数。"
                 "它能检验整个模型的拟合（χ²、CFI、RMSEA、SRMR）。", ("hu1999",)),
    "composite_vs_factor": _E("Composite or common factor", "合成变量与公因子",
                              "A composite still contains the items' measurement error, so when the data come from a "
                              "common-factor model PLS overestimates loadings and underestimates paths between "
                              "constructs; CB-SEM recovers them. Consistent PLS (PLSc) corrects PLS with rho_A.",
                              "合成变量仍带有题项的测量误差，所以当数据来自公因子模型时，PLS 会高估载荷、低估构念之间的路径；"
                              "CB-SEM 则能还原它们。一致性 PLS（PLSc）用 rho_A 对 PLS 进行校正。",
                              ("dijkstra2015",)),
    "path": _E("Path coefficient", "路径系数",
               "A standardised regression weight of one construct on another: how many standard deviations the target "
               "moves when the driver moves one, the other drivers held fixed.",
               "一个构念对另一个构念的标准化回归系数：在其他驱动因素不变时，驱动因素变动一个标准差，目标构念变动多少个"
               "标准差。", ("hair2022",)),
    "r_squared": _E("R² (explained variance)", "R²（解释方差比例）",
                    "The share of an endogenous construct's variance its drivers explain. In consumer research "
                    "0.25 / 0.50 / 0.75 are read as weak / moderate / substantial.",
                    "内生构念的方差中被其驱动因素解释的比例。在消费者研究中，0.25、0.50、0.75 分别视为弱、中等、较强。",
                    ("hair2019",)),
    "bootstrap": _E("Bootstrap", "自助法（bootstrap）",
                    "Re-estimates the model on many samples drawn with replacement from the respondents; the spread of "
                    "the estimates is the standard error, and the 2.5 % and 97.5 % percentiles bound a 95 % interval. "
                    "An interval that excludes 0 marks a significant path.",
                    "从受访者中有放回地抽取许多样本并逐一重新估计模型；估计值的离散程度即标准误，第 2.5 与第 97.5 百分位数"
                    "构成 95% 置信区间。区间不包含 0，说明路径显著。", ("efron1993",)),
    "effects": _E("Direct, indirect and total effects", "直接效应、间接效应与总效应",
                  "The direct effect is the path itself; an indirect effect is the product of the paths along a chain "
                  "(image → satisfaction → loyalty); the total effect is their sum.",
                  "直接效应就是路径系数本身；间接效应是沿着一条链（如形象 → 满意度 → 忠诚）的各路径系数之积；总效应是二者"
                  "之和。", ("hair2022",)),
    "mga": _E("Multigroup analysis (PLS-MGA)", "多组分析（PLS-MGA）",
              "Tests whether a path differs between two groups: a permutation test reshuffles group membership; "
              "Henseler's bootstrap MGA compares the groups' bootstrap distributions.",
              "检验某条路径在两组之间是否不同：置换检验随机打乱组别；Henseler 自助法 MGA 比较两组的自助法分布。",
              ("henseler2009",)),
    "invariance": _E("Measurement invariance", "测量不变性",
                     "Whether the items measure the same thing in each group: configural (same structure), metric "
                     "(same loadings), scalar (same intercepts). Means may be compared only under scalar invariance.",
                     "题项在各组中是否测量同一事物：形态不变（结构相同）、度量不变（载荷相同）、标量不变（截距相同）。只有在"
                     "标量不变成立时才能比较各组均值。", ("vandenberg2000",)),
    # --- measurement model --------------------------------------------------------------------
    "loading": _E("Outer loading", "外部载荷",
                  "The correlation of an item with its construct's score. Keep items with loading ≥ 0.708 (the "
                  "construct then explains at least half of the item's variance, 0.708² ≈ 0.50); 0.40-0.708 keep "
                  "unless dropping raises reliability; below 0.40 drop.",
                  "题项与其构念得分的相关系数。载荷 ≥ 0.708 时保留（此时构念至少解释了题项一半的方差，0.708² ≈ 0.50）；"
                  "介于 0.40 与 0.708 之间时，除非删除能提高信度，否则保留；低于 0.40 则删除。", ("hair2019",)),
    "alpha": _E("Cronbach's alpha", "Cronbach's α 系数",
                "Internal consistency assuming equal loadings: $\\alpha = \\frac{k}{k-1}\\bigl(1 - \\frac{\\sum_i "
                "\\sigma_i^2}{\\sigma_X^2}\\bigr)$. A lower bound of reliability; 0.70-0.95 is the usual range "
                "(0.60-0.70 in exploratory work; above 0.95 the items are nearly redundant).",
                "假定各题项载荷相等时的内部一致性：$\\alpha = \\frac{k}{k-1}\\bigl(1 - \\frac{\\sum_i \\sigma_i^2}"
                "{\\sigma_X^2}\\bigr)$。它是信度的下界；通常要求介于 0.70 与 0.95 之间（探索性研究可放宽到 0.60-0.70；"
                "高于 0.95 说明题项几乎重复）。", ("nunnally1994", "hair2019")),
    "rho_c": _E("Composite reliability (rho_C)", "组合信度（rho_C）",
                "Reliability from the loadings $\\lambda_i$: $\\rho_C = (\\sum\\lambda_i)^2 / ((\\sum\\lambda_i)^2 + "
                "\\sum(1-\\lambda_i^2))$. An upper bound of reliability; 0.70-0.95.",
                "由载荷 $\\lambda_i$ 计算的信度：$\\rho_C = (\\sum\\lambda_i)^2 / ((\\sum\\lambda_i)^2 + "
                "\\sum(1-\\lambda_i^2))$。它是信度的上界；要求介于 0.70 与 0.95 之间。", ("fornell1981", "hair2019")),
    "rho_a": _E("rho_A (Dijkstra-Henseler)", "rho_A 系数（Dijkstra-Henseler）",
                "The consistent reliability of a PLS composite, computed from its weights; it lies between alpha and "
                "rho_C and is the one to prefer. Consistent PLS uses it to correct paths for measurement error. "
                "0.70-0.95.",
                "由 PLS 权重计算的一致性信度，通常介于 α 与 rho_C 之间，是首选的信度指标。一致性 PLS 用它校正路径中的"
                "测量误差。要求介于 0.70 与 0.95 之间。", ("dijkstra2015", "hair2019")),
    "ave": _E("Average variance extracted (AVE)", "平均方差提取量（AVE）",
              "The mean squared loading of a construct's items, $\\mathrm{AVE} = \\frac{1}{k}\\sum\\lambda_i^2$: the share "
              "of the items' variance the construct explains. Convergent validity needs AVE ≥ 0.50.",
              "构念各题项载荷平方的平均值 $\\mathrm{AVE} = \\frac{1}{k}\\sum\\lambda_i^2$，即构念解释题项方差的比例。"
              "收敛效度要求 AVE ≥ 0.50。", ("fornell1981",)),
    "htmt": _E("Heterotrait-monotrait ratio (HTMT)", "异质-单质比率（HTMT）",
               "The mean correlation between items of two constructs divided by the geometric mean of the mean "
               "correlations within each: an estimate of the constructs' true correlation. Below 0.85 the constructs "
               "are distinct; up to 0.90 is tolerated for conceptually close constructs; above 0.90 they are one.",
               "两个构念题项之间相关系数的平均值，除以各构念内部题项相关系数平均值的几何平均：它估计的是两个构念的真实"
               "相关。低于 0.85 说明两个构念可以区分；概念相近的构念可放宽到 0.90；高于 0.90 则可视为同一个构念。",
               ("henseler2015",)),
    "fornell_larcker": _E("Fornell-Larcker criterion", "Fornell-Larcker 准则",
                          "A construct should share more variance with its own items than with any other construct: "
                          "$\\sqrt{\\mathrm{AVE}}$ on the diagonal must exceed the correlations in its row and column. "
                          "It misses many failures of discriminant validity; HTMT is preferred.",
                          "构念与自身题项共享的方差应多于与其他构念共享的方差：对角线上的 $\\sqrt{\\mathrm{AVE}}$ 必须"
                          "大于同行同列的相关系数。该准则常常漏判区分效度问题，因此更推荐 HTMT。",
                          ("fornell1981", "henseler2015")),
    "vif": _E("Variance inflation factor (VIF)", "方差膨胀因子（VIF）",
              "$\\mathrm{VIF} = 1/(1-R_j^2)$, where $R_j^2$ comes from regressing one predictor on the others. Above "
              "5 collinearity distorts the estimates; ideally below 3.",
              "$\\mathrm{VIF} = 1/(1-R_j^2)$，其中 $R_j^2$ 是把一个预测变量对其他预测变量回归得到的决定系数。高于 5 时"
              "共线性会扭曲估计；理想情况下应低于 3。", ("hair2019",)),
    "gof": _E("Goodness of fit (GoF)", "拟合优度指数（GoF）",
              "$\\mathrm{GoF} = \\sqrt{\\overline{\\text{communality}} \\times \\overline{R^2}}$ of PLS. A descriptive "
              "summary only: it cannot tell a correct model from a wrong one, so it has no accepted cut-off.",
              "PLS 的 $\\mathrm{GoF} = \\sqrt{\\overline{\\text{共同度}} \\times \\overline{R^2}}$。它只是描述性的"
              "概括，无法区分正确与错误的模型，因此没有公认的临界值。", ("tenenhaus2005", "hair2019")),
    "chi2": _E("χ² test of exact fit", "χ² 精确拟合检验",
               "Tests whether the model-implied covariances equal the observed ones. With several hundred respondents "
               "it rejects even trivial misfit, so approximate fit indices are read beside it.",
               "检验模型隐含协方差是否等于观测协方差。样本达到几百人时，即使微小的偏差也会被拒绝，所以需要同时参考近似"
               "拟合指数。", ("hu1999",)),
    "cfi": _E("CFI and TLI", "CFI 与 TLI",
              "Comparative fit: how much better the model fits than one in which no item correlates with any other. "
              "≥ 0.95 is good fit.",
              "比较拟合指数：模型比“各题项互不相关”的基准模型好多少。≥ 0.95 为拟合良好。", ("hu1999",)),
    "rmsea": _E("RMSEA", "RMSEA（近似误差均方根）",
                "Misfit per degree of freedom, corrected for sample size; ≤ 0.06 is good fit, above 0.10 poor.",
                "按自由度平均、并对样本量作了校正的不拟合程度；≤ 0.06 为拟合良好，高于 0.10 为拟合较差。", ("hu1999",)),
    "srmr": _E("SRMR", "SRMR（标准化残差均方根）",
               "The root mean square of the differences between observed and implied correlations; ≤ 0.08 is good fit.",
               "观测相关与模型隐含相关之差的均方根；≤ 0.08 为拟合良好。", ("hu1999",)),
    "improper": _E("Improper solution", "不合理解（improper solution）",
                   "A CB-SEM estimate outside its admissible range — a negative variance, a covariance matrix of the "
                   "constructs that is not positive definite, a correlation beyond ±1 — usually from a misspecified "
                   "model or a small sample; such estimates cannot be read. A standardised path beyond ±1 between "
                   "collinear drivers is not improper (lavaan's definition).",
                   "CB-SEM 的估计值超出了可接受的范围——方差为负、构念协方差矩阵非正定、相关系数超出 ±1——通常源于模型设定"
                   "有误或样本太小，这样的估计值无法解读。驱动因素高度共线时标准化路径超出 ±1 并不属于不合理解"
                   "（lavaan 的定义）。", ("hu1999",)),
    # --- segments -------------------------------------------------------------------------------
    "rfm": _E("RFM", "RFM 模型",
              "Recency (days since the last purchase), frequency (number of purchases) and monetary value (money spent) "
              "of each customer: the three facts of a purchase history that best predict the next purchase.",
              "每位客户的最近一次消费（距上次购买的天数）、消费频率（购买次数）和消费金额：购买记录中最能预测下一次购买的"
              "三个事实。", ("hughes1994", "seeds")),
    "mean_split": _E("RFM mean split (eight classes)", "RFM 均值划分（八类客户）",
                     "Each customer is above or below the mean on R, F and M, giving 2 × 2 × 2 = 8 classes, from "
                     "important value customers (recent, frequent, high spending) to general retention customers.",
                     "每位客户在 R、F、M 上各自高于或低于平均值，共 2 × 2 × 2 = 8 类，从重要价值客户（近期、频繁、高消费）"
                     "到一般挽留客户。", ("seeds",)),
    "quintile": _E("RFM quintile scores", "RFM 五分位评分",
                   "R, F and M each scored 1-5 by quintile (5 best), named segments from the three scores.",
                   "R、F、M 各按五分位数打 1-5 分（5 分最好），再根据三项得分命名客户细分。", ("hughes1994",)),
    "pareto": _E("Pareto (80/20) segment", "帕累托（80/20）细分",
                 "The smallest set of customers that brings 80 % of revenue: Buttle's strategically significant "
                 "customers.",
                 "贡献 80% 收入的最少客户集合，即 Buttle 所说的具有战略意义的客户。", ("buttle2009", "seeds")),
    "idic": _E("IDIC", "IDIC 模型",
               "Identify, differentiate, interact, customise (Peppers and Rogers): customers are differentiated by "
               "their value now and their potential.",
               "识别、区分、互动、定制（Peppers 与 Rogers）：按客户当前价值和潜在价值对客户加以区分。",
               ("peppers1999", "seeds")),
    "bgnbd": _E("BG/NBD model", "BG/NBD 模型",
                "While alive a customer buys at rate λ (Gamma(r, α) across customers); after each purchase the customer "
                "may drop out with probability p (Beta(a, b) across customers). From frequency, recency and age it "
                "predicts future purchases and the probability of being alive.",
                "客户“存活”时以速率 λ 购买（λ 在客户间服从 Gamma(r, α) 分布）；每次购买后以概率 p 流失（p 在客户间服从"
                " Beta(a, b) 分布）。它根据购买频率、最近一次购买时间和客户年龄预测未来购买次数及客户仍然活跃的概率。",
                ("fader2005",)),
    "gamma_gamma": _E("Gamma-Gamma spend model", "Gamma-Gamma 消费金额模型",
                      "The average spend per purchase varies around a customer's own mean, which varies across "
                      "customers; combined with BG/NBD it gives customer lifetime value (CLV).",
                      "每次购买的金额围绕客户自身的平均值波动，而该平均值又因客户而异；与 BG/NBD 结合即可得到客户终身价值"
                      "（CLV）。", ("fader2005gg",)),
    "holdout": _E("Calibration / holdout split", "校准期与保留期划分",
                  "Segments are built from the calibration period only and judged by what the customers did in the "
                  "holdout that follows. Judging a segmentation on the data it was built from flatters it.",
                  "只用校准期的数据划分客户细分，再看客户在随后的保留期内的表现来评价细分。用构建细分的同一份数据来评价，"
                  "会高估它的效果。", ("fader2005",)),
    "auc": _E("AUC", "AUC（曲线下面积）",
              "The probability that a customer who buys again sits in a better segment than one who does not (ties "
              "count half); 0.5 is chance, 1 perfect.",
              "再次购买的客户比未再次购买的客户落在更好细分中的概率（并列计一半）；0.5 相当于随机，1 为完美。", ()),
    "lift": _E("Lift and captured revenue", "提升度与收入捕获率",
               "Captured revenue is the share of holdout revenue from the top segment; lift divides it by the top "
               "segment's share of customers (1 = no better than chance).",
               "收入捕获率是顶层细分贡献的保留期收入比例；提升度是它与顶层细分客户比例之比（1 表示与随机无异）。", ()),
    "gini": _E("Gini coefficient", "基尼系数",
               "Twice the area between the Lorenz curve of holdout revenue (customers ordered by segment) and the "
               "diagonal; normalised, it is the share of what perfect hindsight achieves.",
               "按细分排序后保留期收入的洛伦兹曲线与对角线之间面积的两倍；标准化后表示达到事后最优排序的比例。", ()),
    "adjusted_rand": _E("Adjusted Rand index", "调整兰德指数",
                        "Agreement between two partitions of the same customers, corrected for chance: 0 chance, 1 "
                        "identical.",
                        "同一批客户的两种划分之间的一致程度，已扣除随机一致：0 表示随机，1 表示完全相同。",
                        ("hubert1985",)),
    # --- maturity -------------------------------------------------------------------------------
    "three_level": _E("Three-level CRM grading", "三级 CRM 评级",
                      "Primary, intermediate, advanced on five dimensions (satisfaction, loyalty, engagement, service "
                      "efficiency, company image): advanced when all five are very high, intermediate when all five "
                      "are at least fairly high, primary otherwise.",
                      "在五个维度（客户满意度、客户忠诚度、客户参与度、客户服务效率、公司形象）上分为初级、中级、高级："
                      "五个维度都很高为高级，都较高为中级，否则为初级。", ("seeds",)),
    "ladder": _E("Five-level relationship ladder", "客户关系五级阶梯",
                 "Basic, satisfaction, trust, loyalty and partnership management, each rung built on the one below: "
                 "a firm is at rung k when it meets rungs 1 to k.",
                 "基础级、满意度、信任、忠诚度和合作伙伴管理五级，每一级都建立在下一级之上：企业满足第 1 至 k 级即处于"
                 "第 k 级。", ("seeds",)),
    "omega": _E("McDonald's omega", "McDonald's ω 系数",
                "Reliability from a one-factor model, $\\omega = (\\sum\\lambda_i)^2/((\\sum\\lambda_i)^2 + "
                "\\sum\\theta_i)$; unlike alpha it does not assume equal loadings. 0.70 acceptable, 0.80 good.",
                "由单因子模型计算的信度 $\\omega = (\\sum\\lambda_i)^2/((\\sum\\lambda_i)^2 + \\sum\\theta_i)$；与 α "
                "不同，它不假定各题项载荷相等。0.70 可接受，0.80 为良好。", ("mcdonald1999", "nunnally1994")),
    "kappa": _E("Weighted kappa", "加权 kappa 系数",
                "Agreement between two graders beyond chance, with partial credit for near misses (linear or "
                "quadratic weights). 0.41-0.60 moderate, 0.61-0.80 substantial, above 0.80 almost perfect.",
                "两位评级者之间超出随机的一致程度，对相差一级的情况给予部分认可（线性或二次加权）。0.41-0.60 为中等，"
                "0.61-0.80 为较强，高于 0.80 为几乎完全一致。", ("cohen1968", "landis1977")),
    "guttman": _E("Guttman scalability", "Guttman 量表分析",
                  "On a cumulative ladder a firm that meets a rung meets every rung below it. The coefficient of "
                  "reproducibility (1 − errors / responses, ≥ 0.90), the coefficient of scalability (≥ 0.60) and "
                  "Loevinger's H (≥ 0.5 strong) measure how nearly the data follow that pattern.",
                  "在累积阶梯上，满足某一级的企业也满足其下的所有层级。再现系数（1 − 误差数 / 回答数，≥ 0.90）、可量表化"
                  "系数（≥ 0.60）和 Loevinger's H（≥ 0.5 为强）衡量数据在多大程度上符合这一模式。",
                  ("guttman1944", "mokken1971")),
}


def entry(key: str) -> Entry:
    """The glossary entry ``key``; an unknown key is refused with the list of known ones."""
    try:
        return GLOSSARY[key]
    except KeyError:
        raise ParameterError(f"glossary: unknown term {key!r}; expected one of {', '.join(sorted(GLOSSARY))}") from None


def name(key: str, lang: str = "en") -> str:
    """The term's name in ``lang``."""
    return entry(key).name(lang)


def define(key: str, lang: str = "en", *, cite: bool = True) -> str:
    """One Markdown paragraph: the term in bold, its definition, and (``cite``) its sources' short names."""
    e = entry(key)
    body = e.text(lang)
    if cite and e.sources:  # the citation goes before the closing full stop
        end = body[-1] if body.endswith(("。", ".")) else ""
        body = body[: len(body) - len(end)] + _cite_inline(e.sources, lang) + end
    return f"**{e.name(lang)}**{'：' if lang == 'zh' else ': '}{body}"


_SHORT: dict[str, str] = {
    "hair2019": "Hair et al. 2019", "hair2022": "Hair et al. 2022", "henseler2015": "Henseler et al. 2015",
    "fornell1981": "Fornell & Larcker 1981", "dijkstra2015": "Dijkstra & Henseler 2015", "hu1999": "Hu & Bentler 1999",
    "fornell1996": "Fornell et al. 1996", "fornell1992": "Fornell 1992", "zhao2003": "Zhao et al. 2003", "eklof2002": "Eklöf & Westlund 2002",
    "tenenhaus2005": "Tenenhaus et al. 2005", "nunnally1994": "Nunnally & Bernstein 1994", "mcdonald1999": "McDonald 1999",
    "cohen1968": "Cohen 1968", "landis1977": "Landis & Koch 1977", "guttman1944": "Guttman 1944", "mokken1971": "Mokken 1971",
    "hughes1994": "Hughes 1994", "fader2005": "Fader et al. 2005a", "fader2005gg": "Fader et al. 2005b",
    "peppers1999": "Peppers et al. 1999", "buttle2009": "Buttle 2009", "hubert1985": "Hubert & Arabie 1985",
    "efron1993": "Efron & Tibshirani 1993", "henseler2009": "Henseler et al. 2009", "ringle2016": "Ringle & Sarstedt 2016",
    "vandenberg2000": "Vandenberg & Lance 2000", "seeds": "CRM practitioner articles",
}


def cite(ref: str) -> str:
    """The short name of a reference (``Henseler et al. 2015``)."""
    if ref not in REFERENCES:
        raise ParameterError(f"glossary: unknown reference {ref!r}; expected one of {', '.join(sorted(REFERENCES))}")
    return _SHORT[ref]


def _cite_inline(sources: tuple[str, ...], lang: str) -> str:
    inner = "; ".join(cite(s) for s in sources)
    return f"（{inner}）" if lang == "zh" else f" ({inner})"


def references(keys: list[str] | tuple[str, ...], lang: str = "en") -> list[str]:
    """Full citations of the sources of the terms ``keys``, each once, in order of first use."""
    check_lang(lang)
    seen = dict.fromkeys(s for k in keys for s in entry(k).sources)
    return [REFERENCES[s] for s in seen]


def footnotes(keys: list[str] | tuple[str, ...], lang: str = "en", *, heading: str | None = None) -> str:
    """The end-of-report glossary in Markdown: each term of ``keys`` defined, then the references."""
    check_lang(lang)
    keys = list(dict.fromkeys(keys))
    for k in keys:
        entry(k)
    title = heading or ("## 术语与出处" if lang == "zh" else "## Terms and sources")
    lines = [title, ""]
    lines += [f"- {define(k, lang)}" for k in keys]
    refs = references(keys, lang)
    if refs:
        lines += ["", "**参考文献**" if lang == "zh" else "**References**", ""]
        lines += [f"{i}. {r}" for i, r in enumerate(refs, 1)]
    return "\n".join(lines) + "\n"


def table(lang: str = "en"):
    """Every term as a DataFrame: ``key, term, definition, sources``."""
    import pandas as pd

    check_lang(lang)
    return pd.DataFrame([{"key": k, "term": e.name(lang), "definition": e.text(lang),
                          "sources": "; ".join(cite(s) for s in e.sources)} for k, e in GLOSSARY.items()])
