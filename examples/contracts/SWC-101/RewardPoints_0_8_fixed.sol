// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.4;

/// @title RewardPointsFixed
/// @notice Loyalty points that holders redeem for store credit. Redemption uses
///         0.8 checked arithmetic and rejects amounts above the holder's points.
contract RewardPointsFixed {
    address public immutable issuer;
    mapping(address => uint256) public points;
    mapping(address => uint256) public credit;

    event Awarded(address indexed holder, uint256 amount);
    event Redeemed(address indexed holder, uint256 amount);

    error NotIssuer();
    error InsufficientPoints(uint256 available, uint256 requested);

    constructor() {
        issuer = msg.sender;
    }

    function award(address holder, uint256 amount) external {
        if (msg.sender != issuer) revert NotIssuer();
        points[holder] += amount;
        emit Awarded(holder, amount);
    }

    function redeem(uint256 amount) external {
        uint256 available = points[msg.sender];
        if (amount > available) revert InsufficientPoints(available, amount);
        points[msg.sender] = available - amount;
        credit[msg.sender] += amount;
        emit Redeemed(msg.sender, amount);
    }
}
