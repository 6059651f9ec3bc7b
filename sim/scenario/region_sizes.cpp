#include "scenario/region_sizes.h"

#include "scenario/params.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace cardsim {
namespace {

// Resident population of the 31 provinces, autonomous regions and
// municipalities of mainland China at the seventh national census
// (1 November 2020), in the National Bureau of Statistics' order of
// administrative codes (docs/sources.md, C1). Their sum, 1,409,778,724, leaves
// out the 2 million servicemen counted only nationally.
const std::vector<RegionRow> kChinaProvinces2020 = {
    {"Beijing", 21893095},    {"Tianjin", 13866009},   {"Hebei", 74610235},        {"Shanxi", 34915616},
    {"Inner Mongolia", 24049155}, {"Liaoning", 42591407}, {"Jilin", 24073453},   {"Heilongjiang", 31850088},
    {"Shanghai", 24870895},   {"Jiangsu", 84748016},   {"Zhejiang", 64567588},     {"Anhui", 61027171},
    {"Fujian", 41540086},     {"Jiangxi", 45188635},   {"Shandong", 101527453},    {"Henan", 99365519},
    {"Hubei", 57752557},      {"Hunan", 66444864},     {"Guangdong", 126012510},   {"Guangxi", 50126804},
    {"Hainan", 10081232},     {"Chongqing", 32054159}, {"Sichuan", 83674866},      {"Guizhou", 38562148},
    {"Yunnan", 47209277},     {"Tibet", 3648100},      {"Shaanxi", 39528999},      {"Gansu", 25019831},
    {"Qinghai", 5923957},     {"Ningxia", 7202654},    {"Xinjiang", 25852345},
};

}  // namespace

const std::vector<RegionRow>& region_table(int64_t region_sizes) {
  static const std::vector<RegionRow> even;
  switch (region_sizes) {
    case RegionSizes::china_provinces_2020: return kChinaProvinces2020;
    default: return even;
  }
}

std::vector<uint64_t> region_weights(const Params& p) {
  std::vector<uint64_t> out;
  if (!p.region_shares.empty()) {
    // Validation holds the sum within 0.001 of 1; scaling by the sum makes
    // the split exact whatever rounding the scenario's author used.
    const double sum = std::accumulate(p.region_shares.begin(), p.region_shares.end(), 0.0);
    constexpr double kPartsPerWhole = 1e9;
    for (double share : p.region_shares)
      out.push_back(std::max<uint64_t>(1, uint64_t(std::llround(share / sum * kPartsPerWhole))));
    return out;
  }
  for (const RegionRow& row : region_table(p.region_sizes)) out.push_back(uint64_t(row.population));
  return out;
}

}  // namespace cardsim
