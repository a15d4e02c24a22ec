namespace Converge.Server.Validation;

/// <summary>
/// Decides whether the server accepts a change. Validators run on the document's authority, one change at a time, in
/// sequence order, against the state including every change accepted before it; keep them fast (they hold up the
/// document) and deterministic. Register them with <see cref="ConvergeServerOptions.Validators"/>.
/// </summary>
public interface IChangeValidator
{
    /// <summary>Checks one change.</summary>
    /// <param name="context">The change, its author and the state it would apply to.</param>
    /// <param name="cancellationToken">Signals server shutdown.</param>
    /// <returns><see langword="null"/> to accept; otherwise the reason, sent to the author in a <c>reject</c> frame (code <c>validation_failed</c>).</returns>
    ValueTask<string?> ValidateAsync(ChangeValidationContext context, CancellationToken cancellationToken);
}
