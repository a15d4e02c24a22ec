using Converge.Model.Documents;

namespace Converge.Server.Validation;

/// <summary>Runs a shared <see cref="ChangeRule"/> as a server validator.</summary>
internal sealed class RuleValidator(ChangeRule rule) : IChangeValidator
{
    public ValueTask<string?> ValidateAsync(ChangeValidationContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(rule(context.DocumentId, context.State, context.Operations));
}
