using System;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Alerts;

/// <summary>
/// Inferred alerts (a quiet morning, no activity) wait a short window in which the resident (device button) or family
/// can cancel before staff are paged (<see cref="AlertKindSpec.PreAlarm"/>). SOS, smoke and gas never wait: a person
/// asked for help or a home is at risk.
/// </summary>
public static class PreAlarm
{
    public static TimeSpan? WindowFor(AlertKind kind) => kind.Spec().PreAlarm;
}
